// magi assembled: stores chosen by engine, the ledger side (ledger, flusher,
// broadcaster) in this thread or its own, the bank restored. Routes and the
// reconcile command use what this returns.
import { createServiceClient, type Logger } from '@bamboo/kit';
import type { Engines } from '@bamboo/engines';
import { Catalog } from './catalog/catalog.js';
import type { Config } from './config.js';
import type { SendDeps } from './gifting/send.js';
import type { WalletDeps } from './gifting/wallets.js';
import { openLocalLedger, type LedgerSide } from './ledger/ledger-side.js';
import { openLedgerThread } from './ledger/ledger-thread.js';
import { reconcile, type ReconcileOptions, type ReconcileReport } from './ledger/reconcile.js';
import { restoreBank } from './ledger/restore.js';
import type { Bank } from './stores/bank.js';
import { MemoryBank } from './stores/bank.memory.js';
import { RedisBank } from './stores/bank.redis.js';
import { CatalogRepo } from './stores/catalog.repo.js';
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
  ledger: LedgerSide;
  catalog: Catalog;
  rooms: RoomDirectory;
  send: SendDeps;
  wallets: WalletDeps;
  reconcile(options?: ReconcileOptions): Promise<ReconcileReport>;
  /** Stops the loops after a last flush; the engines are closed by their owner. */
  close(): Promise<void>;
}

export async function openMagi({ config, logger, engines, background = true }: MagiOptions): Promise<Magi> {
  const onRedis = engines.hot.kind === 'redis';
  const bank: Bank = onRedis ? new RedisBank(engines.hot.redis!) : new MemoryBank();
  const catalogRepo = new CatalogRepo(engines.docs);
  // The memory bank's journal lives in this process: its ledger side must too.
  const ledger =
    onRedis && background && config.MAGI_LEDGER_THREAD === 'on'
      ? await openLedgerThread({ config, background }, logger)
      : await openLocalLedger({ config, logger, bank, docs: engines.docs, background });
  await catalogRepo.init();
  const restored = await restoreBank(bank, ledger, config.MAGI_REQUEST_TTL_MS);
  if (restored > 0) logger.info({ restored }, 'bank restored from the ledger');

  const waitForLedger = !bank.durable || config.MAGI_ACK_AFTER_LEDGER;
  const ack = waitForLedger
    ? (seq: number) => ledger.committedThrough(seq, config.MAGI_COMMIT_TIMEOUT_MS)
    : async () => undefined;
  const villa = createServiceClient({ target: 'villa', baseUrl: config.VILLA_URL, caller: 'magi', internalKey: config.BAMBOO_INTERNAL_KEY, timeoutMs: 2_000 });
  const rooms = villaRooms(villa, config.MAGI_ROOM_CACHE_MS);
  const catalog = new Catalog(catalogRepo, config.MAGI_CATALOG_CACHE_MS);
  return {
    bank,
    ledger,
    catalog,
    rooms,
    send: { bank, catalog, rooms, ack, requestTtlMs: config.MAGI_REQUEST_TTL_MS, comboWindowMs: config.MAGI_COMBO_WINDOW_MS },
    wallets: { bank, ack, requestTtlMs: config.MAGI_REQUEST_TTL_MS, levelBase: config.MAGI_LEVEL_BASE },
    reconcile: (options) => reconcile(bank, ledger, options),
    close: async () => {
      await ledger.close();
      await bank.close();
    },
  };
}
