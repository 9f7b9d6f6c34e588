// magi's routes: thin handlers over the domain functions in src/.
import { createServiceApp, type Logger, type ServiceApp } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import type { Magi } from './magi.js';
import { giftRoutes } from './routes/gifts.js';
import { ledgerRoutes } from './routes/ledger.js';
import { walletRoutes } from './routes/wallets.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  engines: Engines;
  magi: Magi;
}

export function createApp({ config, logger, engines, magi }: AppDeps): ServiceApp {
  const { app } = createServiceApp({
    service: 'magi',
    description: 'Gift values: catalog, wallets, gift sending, ledger, rankings and revenue.',
    logger,
    internalKey: config.BAMBOO_INTERNAL_KEY,
    maxSkewMs: config.INTERNAL_SIGNATURE_MAX_SKEW_MS,
    readiness: engines.readiness,
  });
  // Ledger routes first: /v1/gifts/{giftId} would otherwise match /v1/gifts/transactions.
  ledgerRoutes(app, magi);
  walletRoutes(app, magi);
  giftRoutes(app, magi);
  return app;
}
