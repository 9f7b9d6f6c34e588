// magi assembled: stores chosen by engine, the bank restored, the flusher and
// the broadcaster running. Routes and the reconcile command use what this returns.
import { createServiceClient, type Logger, type ServiceClient } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import { Broadcaster } from './broadcast/outbox.js';
import { Catalog } from './catalog/catalog.js';
import type { Config } from './config.js';
import type { SendDeps } from './gifting/send.js';
import type { WalletDeps } from './gifting/wallets.js';
import { Flusher } from './ledger/flusher.js';
import { reconcile, type ReconcileOptions, type ReconcileReport } from './ledger/reconcile.js';
import { restoreBank } from './ledger/restore.js';
import type { Bank } from './stores/bank.js';
import { MemoryBank } from './stores/bank.memory.js';
import { RedisBank } from './stores/bank.redis.js';
import { CatalogRepo } from './stores/catalog.repo.js';
import { LedgerRepo } from './stores/ledger.repo.js';
import { villaRooms, type RoomDirectory } from './villa/rooms.js';

export interface MagiOptions {
  config: Config;
  logger: Logger;
  engines: Engines;
  /** Start the flusher and broadcaster loops (default true; the reconcile command does not). */
  background?: boolean;
}

export interface Magi {
  bank: Bank;
  ledger: LedgerRepo;
  catalog: Catalog;
  rooms: RoomDirectory;
  flusher: Flusher;
  send: SendDeps;
  wallets: WalletDeps;
  reconcile(options?: ReconcileOptions): Promise<ReconcileReport>;
  /** Stops the loops after a last flush; the engines are closed by their owner. */
  close(): Promise<void>;
}

export async function openMagi({ config, logger, engines, background = true }: MagiOptions): Promise<Magi> {
  const bank: Bank = engines.hot.kind === 'redis' ? new RedisBank(engines.hot.redis!) : new MemoryBank();
  const ledger = new LedgerRepo(engines.docs);
  const catalogRepo = new CatalogRepo(engines.docs);
  await Promise.all([ledger.init(), catalogRepo.init()]);
  const restored = await restoreBank(bank, ledger, config.MAGI_REQUEST_TTL_MS);
  if (restored > 0) logger.info({ restored }, 'bank restored from the ledger');

  const flusher = new Flusher(bank, ledger, { batch: config.MAGI_FLUSH_BATCH, idleMs: config.MAGI_FLUSH_IDLE_MS, logger });
  const waitForLedger = !bank.durable || config.MAGI_ACK_AFTER_LEDGER;
  const ack = waitForLedger
    ? (seq: number) => flusher.committedThrough(seq, config.MAGI_COMMIT_TIMEOUT_MS)
    : async () => undefined;

  const client = (target: 'villa' | 'homer', baseUrl: string): ServiceClient =>
    createServiceClient({ target, baseUrl, caller: 'magi', internalKey: config.BAMBOO_INTERNAL_KEY, timeoutMs: 2_000 });
  const rooms = villaRooms(client('villa', config.VILLA_URL), config.MAGI_ROOM_CACHE_MS);
  const broadcaster =
    config.MAGI_BROADCAST === 'on'
      ? new Broadcaster(ledger, client('homer', config.HOMER_URL), {
          idleMs: config.MAGI_BROADCAST_IDLE_MS,
          concurrency: config.MAGI_BROADCAST_CONCURRENCY,
          logger,
        })
      : undefined;
  if (background) {
    flusher.start();
    broadcaster?.start();
  }
  const catalog = new Catalog(catalogRepo, config.MAGI_CATALOG_CACHE_MS);
  return {
    bank,
    ledger,
    catalog,
    rooms,
    flusher,
    send: { bank, catalog, rooms, ack, requestTtlMs: config.MAGI_REQUEST_TTL_MS, comboWindowMs: config.MAGI_COMBO_WINDOW_MS },
    wallets: { bank, ack, requestTtlMs: config.MAGI_REQUEST_TTL_MS, levelBase: config.MAGI_LEVEL_BASE },
    reconcile: (options) => reconcile(bank, ledger, flusher, options),
    close: async () => {
      await broadcaster?.stop();
      await flusher.stop();
      await bank.close();
    },
  };
}
