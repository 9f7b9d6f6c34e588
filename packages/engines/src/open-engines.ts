// Both engines of a service, chosen by configuration (DESIGN.md §2): Redis
// when REDIS_URL is set else memory; MongoDB when MONGO_URL is set else the
// embedded store under DATA_DIR. Keys are namespaced per service, because a
// service's hot state is its own.
import type { BaseConfig, ReadinessCheck } from '@bamboo/kit';
import type { DocumentStore } from './docs/document-store.js';
import { openDocumentStore } from './docs/open-document-store.js';
import type { HotState } from './hot/hot-state.js';
import { openHotState } from './hot/open-hot-state.js';

export interface Engines {
  docs: DocumentStore;
  hot: HotState;
  /** For /readyz: each resolves only while its store answers. */
  readiness: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

export type EngineConfig = Pick<BaseConfig, 'REDIS_URL' | 'REDIS_PREFIX' | 'MONGO_URL' | 'MONGO_DB' | 'DATA_DIR'>;

export async function openEngines(config: EngineConfig, namespace: string): Promise<Engines> {
  const hot = await openHotState({
    ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}),
    keyPrefix: `${config.REDIS_PREFIX}${namespace}:`,
  });
  const docs = await openDocumentStore({
    ...(config.MONGO_URL ? { mongoUrl: config.MONGO_URL } : {}),
    mongoDb: config.MONGO_DB,
    dataDir: config.DATA_DIR,
    namespace,
  });
  return {
    docs,
    hot,
    readiness: {
      [`hot state (${hot.kind})`]: () => hot.ping(),
      [`documents (${docs.kind})`]: () => docs.ping(),
    },
    close: async () => {
      await Promise.allSettled([hot.close(), docs.close()]);
    },
  };
}
