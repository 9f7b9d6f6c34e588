// The ledger thread's body (started by ledger-thread.ts on the Redis engine):
// it opens its own connections to the stores — Redis for the journal, the
// document store for the ledger, whose collections only this thread opens —
// runs the flusher and the broadcaster, and answers the main thread's calls
// of LedgerSide one message at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { AppError, createLogger } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { RedisBank } from '../stores/bank.redis.js';
import { openLocalLedger, type LedgerSide } from './ledger-side.js';
import type { LedgerCall, LedgerReply, LedgerThreadData, WireError } from './ledger-thread.js';

const port = parentPort!;
const { config, background } = workerData as LedgerThreadData;

function wire(err: unknown): WireError {
  if (err instanceof AppError) return { message: err.message, status: err.status, code: err.code, details: err.details };
  return { message: err instanceof Error ? err.message : String(err) };
}

async function answer(ledger: LedgerSide, close: () => Promise<void>, call: LedgerCall): Promise<void> {
  let reply: LedgerReply;
  try {
    const result = call.method === 'close' ? await close() : await (ledger[call.method] as (...args: unknown[]) => Promise<unknown>)(...call.args);
    reply = { id: call.id, result };
  } catch (err) {
    reply = { id: call.id, error: wire(err) };
  }
  port.postMessage(reply);
  if (call.method === 'close') port.close(); // nothing else keeps the thread alive: it ends
}

try {
  const logger = createLogger('magi', config.LOG_LEVEL);
  const engines = await openEngines(config, 'magi');
  if (engines.hot.kind !== 'redis') throw new Error('the ledger thread runs on the Redis engine only');
  const ledger = await openLocalLedger({ config, logger, bank: new RedisBank(engines.hot.redis!), docs: engines.docs, background });
  const close = async () => {
    await ledger.close();
    await engines.close();
  };
  port.on('message', (call: LedgerCall) => void answer(ledger, close, call));
  port.postMessage({ ready: true } satisfies LedgerReply);
} catch (err) {
  port.postMessage({ fatal: wire(err) } satisfies LedgerReply);
}
