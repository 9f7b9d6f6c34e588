// An API client: who may call, with which scopes, under which limits.
// Limits are per route group (see routing/route-table.ts); a client's plan
// gives the defaults and `limits` overrides single groups.
import { z } from '@bamboo/kit';

export const LimitSchema = z.object({
  /** Requests allowed per window; a full window's worth may come at once (GCRA burst). */
  limit: z.number().int().positive(),
  windowSeconds: z.number().int().positive().max(86_400),
});
export type Limit = z.infer<typeof LimitSchema>;

export const GROUP_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
export const SCOPE_NAME = /^[a-z][a-z0-9_.:-]{0,63}$/;

export interface Plan {
  limits: Record<string, Limit>;
  /** Requests per calendar day (APOLLO_QUOTA_TIMEZONE); null is unlimited. */
  quotaPerDay: number | null;
  /** Requests in flight at once per client on one apollo node. */
  concurrency: number;
}

/** Plan defaults. A group missing from a plan falls back to its `read`/`write` entry. */
export const PLANS: Record<string, Plan> = {
  free: {
    limits: {
      read: { limit: 300, windowSeconds: 60 },
      write: { limit: 60, windowSeconds: 60 },
      'danmaku.send': { limit: 30, windowSeconds: 60 },
      'gifts.send': { limit: 30, windowSeconds: 60 },
    },
    quotaPerDay: 50_000,
    concurrency: 10,
  },
  standard: {
    limits: {
      read: { limit: 3_000, windowSeconds: 60 },
      write: { limit: 600, windowSeconds: 60 },
      'danmaku.send': { limit: 300, windowSeconds: 60 },
      'gifts.send': { limit: 300, windowSeconds: 60 },
    },
    quotaPerDay: 1_000_000,
    concurrency: 50,
  },
  partner: {
    limits: {
      read: { limit: 60_000, windowSeconds: 60 },
      write: { limit: 12_000, windowSeconds: 60 },
      'danmaku.send': { limit: 6_000, windowSeconds: 60 },
      'gifts.send': { limit: 6_000, windowSeconds: 60 },
    },
    quotaPerDay: null,
    concurrency: 200,
  },
};
export const PLAN_NAMES = Object.keys(PLANS) as [string, ...string[]];

export interface StoredSecret {
  /** Short id to tell secrets apart in listings; never the secret. */
  id: string;
  hash: string;
  sealed: string;
  createdAt: number;
  /** Set on rotation: the old secret works until then. */
  expiresAt: number | null;
}

export interface Client {
  _id: string;
  name: string;
  plan: string;
  scopes: string[];
  /** Per-group overrides of the plan's limits. */
  limits: Record<string, Limit>;
  /** Overrides the plan's quota when set (null = unlimited). */
  quotaPerDay?: number | null;
  concurrency?: number;
  disabled: boolean;
  secrets: StoredSecret[];
  createdAt: number;
  updatedAt: number;
}

/** What the admin API shows: everything but the secrets' hashes and sealed forms. */
export function publicView(client: Client) {
  const { secrets, _id, ...rest } = client;
  return {
    id: _id,
    ...rest,
    secrets: secrets.map((s) => ({ id: s.id, createdAt: s.createdAt, expiresAt: s.expiresAt })),
  };
}

export function liveSecrets(client: Client, nowMs: number): StoredSecret[] {
  return client.secrets.filter((s) => s.expiresAt === null || s.expiresAt > nowMs);
}

/** The limit of `group` for this client: override, then plan, then the plan's read/write default. */
export function limitFor(client: Client, group: string, isWrite: boolean): Limit {
  const plan = PLANS[client.plan] ?? PLANS.free!;
  return client.limits[group] ?? plan.limits[group] ?? client.limits[isWrite ? 'write' : 'read'] ?? plan.limits[isWrite ? 'write' : 'read']!;
}

export function quotaFor(client: Client): number | null {
  if (client.quotaPerDay !== undefined) return client.quotaPerDay;
  return (PLANS[client.plan] ?? PLANS.free!).quotaPerDay;
}

export function concurrencyFor(client: Client): number {
  return client.concurrency ?? (PLANS[client.plan] ?? PLANS.free!).concurrency;
}
