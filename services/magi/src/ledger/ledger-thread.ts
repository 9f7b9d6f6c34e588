// The ledger side in a thread of its own (worker_threads), on the Redis
// engine: the flush (reading the journal, writing ledger documents and their
// indexes) and the broadcasts then use another core than the HTTP thread,
// which only runs the rules and the bank script. The journal is in Redis, so
// both threads reach it on their own connections; the ledger's collections
// are opened by the thread alone (one owner, as the embedded store requires),
// and the main thread's reads of the ledger are calls into it (LedgerSide).
// If the thread dies, magi fails as an uncaught error would: the journal in
// Redis waits for the next start, where the flusher moves it.
import { Worker } from 'node:worker_threads';
import { AppError, ServiceUnavailableError, type Logger } from '@bamboo/kit';
import type { Config } from '../config.js';
import type { LedgerSide } from './ledger-side.js';

export interface LedgerThreadData {
  config: Config;
  background: boolean;
}

type Method = keyof LedgerSide;
export interface LedgerCall {
  id: number;
  method: Method;
  args: unknown[];
}
export interface WireError {
  message: string;
  status?: number;
  code?: string;
  details?: AppError['details'];
}
export type LedgerReply =
  | { ready: true }
  | { fatal: WireError }
  | { id: number; result: unknown }
  | { id: number; error: WireError };

/** How long a closed thread may take to end before it is terminated. */
const CLOSE_GRACE_MS = 5_000;

function unwire(e: WireError): Error {
  return e.status !== undefined ? new AppError(e.status, e.code ?? 'error', e.message, e.details) : new Error(e.message);
}

/** The worker from dist (.js), or from the TypeScript sources through tsx (tests, the bench's in-process part). */
function spawn(data: LedgerThreadData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./ledger.worker.js', import.meta.url), { workerData: data });
  const source = JSON.stringify(new URL('./ledger.worker.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${source}); })`, {
    eval: true,
    workerData: data,
  });
}

export async function openLedgerThread(data: LedgerThreadData, logger: Logger): Promise<LedgerSide> {
  const worker = spawn(data);
  const pending = new Map<number, { resolve(result: unknown): void; reject(err: Error): void }>();
  let nextId = 0;
  /** Set once the thread is up and until close() is called: an exit then is a failure of magi. */
  let running = false;
  let gone: Error | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  await new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: LedgerReply) => {
      if ('ready' in reply) {
        running = true;
        return resolve();
      }
      if ('fatal' in reply) {
        reject(unwire(reply.fatal));
        return void worker.terminate();
      }
      const call = pending.get(reply.id);
      pending.delete(reply.id);
      if ('error' in reply) call?.reject(unwire(reply.error));
      else call?.resolve(reply.result);
    });
    worker.on('error', (err) => {
      logger.error({ err }, 'the ledger thread failed');
      reject(err);
    });
    worker.once('exit', (code) => {
      gone = new ServiceUnavailableError('the ledger thread stopped');
      for (const call of pending.values()) call.reject(gone);
      pending.clear();
      reject(gone);
      if (running) {
        setImmediate(() => {
          throw new Error(`the ledger thread stopped unexpectedly (exit code ${code}); restart magi`);
        });
      }
    });
  });

  const call = <R>(method: Method, ...args: unknown[]): Promise<R> => {
    if (gone) return Promise.reject(gone);
    const id = ++nextId;
    return new Promise<R>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      worker.postMessage({ id, method, args } satisfies LedgerCall);
    });
  };
  return {
    query: (q) => call('query', q),
    scan: (afterSeq, limit) => call('scan', afterSeq, limit),
    lastSeq: () => call('lastSeq'),
    count: () => call('count'),
    unbroadcast: (limit) => call('unbroadcast', limit),
    committedThrough: (seq, timeoutMs) => call('committedThrough', seq, timeoutMs),
    drain: (timeoutMs) => call('drain', timeoutMs),
    close: async () => {
      running = false;
      await call('close').catch((err: unknown) => logger.warn({ err }, 'closing the ledger thread failed'));
      // It ends by itself once its stores are closed; a handle left open must not hold magi's shutdown.
      const stuck = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(stuck);
    },
  };
}
