// The HTTP load generator, in its own process so that it does not share an
// event loop with what it measures. Every request is built and signed before
// the timed burst (identity and internal-signature headers exactly as apollo
// forwards a user's call), so the burst itself only writes prepared requests
// on keep-alive connections of an undici Pool, one request in flight per
// connection. Signatures carry a timestamp: they are made just before the
// burst, and the server's skew window must outlast it (see burst.ts).
//
// Protocol (IPC with burst.ts): argv[2] is a LoadPlan as JSON; the process
// answers {type:'ready'} once its requests are signed and its connections
// open, starts on 'go', and answers {type:'done', result: LoadResult}.
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { signedInit, userIdentity } from '@bamboo/testing/node';

export interface LoadPlan {
  origin: string;
  key: string;
  /** Requests i in [from, to) of the whole burst; sender i % senders. */
  from: number;
  to: number;
  senders: number;
  connections: number;
}

export interface LoadResult {
  /** Epoch ms (sub-ms precision) of the first request sent and the last answer read. */
  startedAt: number;
  endedAt: number;
  latenciesMs: number[];
  /** How many answers per HTTP status (or `error` for a failed request). */
  statuses: Record<string, number>;
  signMs: number;
  /** CPU time (user + system) this load generator used during the burst, µs. */
  cpuUs: number;
}

export const SEND_PATH = '/v1/gifts/sends';

interface Prepared {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

function prepare(plan: LoadPlan): Prepared[] {
  const out: Prepared[] = [];
  for (let i = plan.from; i < plan.to; i++) {
    const body = { requestId: randomUUID(), roomId: 'big', toUid: 'star', giftId: 'rose', count: 1 };
    const init = signedInit(plan.key, SEND_PATH, {
      body,
      identity: userIdentity(`sender-${i % plan.senders}`),
      headers: { 'x-request-id': randomUUID() },
    });
    out.push({ method: 'POST', path: SEND_PATH, headers: init.headers as Record<string, string>, body: init.body as string });
  }
  return out;
}

const now = () => performance.timeOrigin + performance.now();

async function burst(pool: Pool, requests: Prepared[], connections: number): Promise<Omit<LoadResult, 'signMs' | 'cpuUs'>> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const startedAt = now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < requests.length; i = next++) {
        const t = performance.now();
        let status: string;
        try {
          const res = await pool.request(requests[i]!);
          await res.body.dump();
          status = String(res.statusCode);
        } catch {
          status = 'error';
        }
        latenciesMs.push(performance.now() - t);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return { startedAt, endedAt: now(), latenciesMs, statuses };
}

const plan = JSON.parse(process.argv[2]!) as LoadPlan;
const pool = new Pool(plan.origin, { connections: plan.connections, pipelining: 1, keepAliveTimeout: 60_000 });
// Open every connection before the clock starts.
await Promise.all(
  Array.from({ length: plan.connections }, () => pool.request({ method: 'GET', path: '/healthz' }).then((r) => r.body.dump())),
);
const signStarted = performance.now();
const requests = prepare(plan);
const signMs = performance.now() - signStarted;
process.send!({ type: 'ready' });
process.once('message', async () => {
  const cpu = process.cpuUsage();
  const figures = await burst(pool, requests, plan.connections);
  const { user, system } = process.cpuUsage(cpu);
  const result: LoadResult = { ...figures, signMs, cpuUs: user + system };
  process.send!({ type: 'done', result }, () => {
    void pool.close().then(() => process.exit(0));
  });
});
