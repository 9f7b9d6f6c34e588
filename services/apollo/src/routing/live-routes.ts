// The route table in force, editable at run time: the admin API stores a new
// table in the document store and announces it over pub/sub; every node
// reloads it. A stored table takes precedence over APOLLO_ROUTES_FILE and the
// default, so a restarted node serves what the admin set last.
import type { DocumentStore, HotState } from '@bamboo/engines';
import { ValidationError } from '@bamboo/kit';
import { matchRoute, parseRoutes, type Route, type RouteConfig } from './route-table.js';

const CHANNEL = 'routes:changed';

interface StoredTable {
  _id: 'table';
  routes: RouteConfig[];
  updatedAt: number;
}

export class LiveRoutes {
  private routes: Route[];
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    initial: Route[],
    private readonly serviceUrls: object,
    private readonly docs?: DocumentStore,
    private readonly hot?: HotState,
  ) {
    this.routes = initial;
  }

  async start(): Promise<void> {
    await this.reload();
    this.unsubscribe = await this.hot?.subscribe(CHANNEL, () => void this.reload().catch(() => undefined));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  all(): Route[] {
    return this.routes;
  }

  match(path: string): Route | undefined {
    return matchRoute(this.routes, path);
  }

  /** Validates and stores a new table; 400 naming the field when it is wrong. */
  async replace(raw: unknown): Promise<Route[]> {
    let routes: Route[];
    try {
      routes = parseRoutes(raw, this.serviceUrls, 'body');
    } catch (error) {
      throw new ValidationError((error as Error).message);
    }
    if (this.docs) {
      const table = this.docs.collection<StoredTable>('routes');
      await table.updateOne({ _id: 'table' }, { $set: { routes: raw as RouteConfig[], updatedAt: Date.now() } }, { upsert: true });
    }
    this.routes = routes;
    await this.hot?.publish(CHANNEL, 'table').catch(() => undefined);
    return routes;
  }

  private async reload(): Promise<void> {
    if (!this.docs) return;
    const stored = await this.docs.collection<StoredTable>('routes').findOne({ _id: 'table' });
    if (stored) this.routes = parseRoutes(stored.routes, this.serviceUrls, 'stored route table');
  }
}
