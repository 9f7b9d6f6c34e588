// `npm run bench -w services/homer`: homer (dist/main.js, embedded engines)
// against its baselines, in one run, every server and every client in its
// own process, deliveries counted at the receiving clients:
//   1. connections: memory per idle connection, homer (half TCP, half
//      WebSocket) next to a bare `ws` server holding as many;
//   2. fan-out: one room of MEMBERS WebSocket clients, 100 messages/s and
//      then rising rates while it keeps up; deliveries/s and latency from the
//      HTTP send to the client, next to Socket.IO broadcasting the same;
//   3. overload: the same room at 2,000 chat messages/s plus 10 gifts/s.
import os from 'node:os';
import { rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { freePort, tempDir } from '@bamboo/testing/node';
import type { ClientCommand, ClientReport, Kind, SendCommand, SendReport, Stream } from './protocol.js';
import { Helper, cpuMicros, rss, rssAfterGc, sleep, startServer, type Server } from './processes.js';

const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
// One process can hold no more sockets than its descriptor limit, less what Node itself opens.
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? Math.min(20_000, fdLimit - 200));
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 10_000);
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 4);
const SAMPLE_EVERY = Number(process.env.BENCH_SAMPLE_EVERY ?? 10);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 6);
const RAMP = (process.env.BENCH_RAMP ?? '250,500,1000,2000,4000').split(',').filter(Boolean).map(Number);
const RAMP_SECONDS = Number(process.env.BENCH_RAMP_SECONDS ?? 3);
const OVERLOAD_SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 10);
/** Parts to run (all by default): connections,fanout,socketio,overload. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'connections,fanout,socketio,overload').split(','));
/** The homer build measured; another (say, a patched copy of dist) to compare. */
const HOMER_MAIN = process.env.BENCH_HOMER_MAIN ?? 'dist/main.js';
const KEY = 'homer-bench-internal-key-0123456789';
const SECRET = 'homer-bench-ticket-secret-0123456789';
const ROOM = 'big';
const HOST = '127.0.0.1';

type Client = Helper<ClientCommand, ClientReport | { type: string; opened?: number; failed?: number }>;
const clients: Client[] = Array.from({ length: CLIENT_PROCESSES }, () => new Helper('bench/client.ts'));
const sender = new Helper<SendCommand, SendReport>('bench/sender.ts');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Opens `count` connections of each kind, spread over the client processes (kinds in turn). */
async function open(plan: Array<{ kind: Kind; port: number; count: number }>): Promise<number> {
  const jobs = plan.flatMap(({ kind, port, count }, k) =>
    Array.from({ length: CLIENT_PROCESSES / plan.length }, (_, j) => {
      const i = k * (CLIENT_PROCESSES / plan.length) + j;
      const share = Math.floor(count / (CLIENT_PROCESSES / plan.length));
      return clients[i]!.ask({ type: 'open', kind, host: HOST, port, localAddress: `127.0.0.${i + 2}`, count: share, room: ROOM, secret: SECRET, sampleEvery: SAMPLE_EVERY });
    }),
  );
  const results = (await Promise.all(jobs)) as Array<{ opened: number; failed: number }>;
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) console.log(`  (${failed} connections failed to open)`);
  return results.reduce((n, r) => n + r.opened, 0);
}

async function closeAll(): Promise<void> {
  await Promise.all(clients.map((c) => c.ask({ type: 'close' })));
}

async function reports(expectGifts = 0): Promise<ClientReport[]> {
  return (await Promise.all(clients.map((c) => c.ask({ type: 'report', expectGifts })))) as ClientReport[];
}

function total(rs: ClientReport[], field: 'deliveries' | 'frames' | 'refDeliveries' | 'connections' | 'closed' | 'gifts' | 'allGifts'): number {
  return rs.reduce((n, r) => n + r[field], 0);
}

function percentiles(rs: ClientReport[]): { p50: number; p99: number; samples: number } {
  const counts = new Map<number, number>();
  for (const r of rs) for (const [ms, n] of r.latency) counts.set(ms, (counts.get(ms) ?? 0) + n);
  const sorted = [...counts].sort((a, b) => a[0] - b[0]);
  const samples = sorted.reduce((n, [, c]) => n + c, 0);
  const at = (q: number) => {
    let seen = 0;
    for (const [ms, c] of sorted) if ((seen += c) >= q * samples) return ms;
    return NaN;
  };
  return { p50: at(0.5), p99: at(0.99), samples };
}

/** The clients count latencies up to 60 s; the last bucket holds everything longer. */
const ms = (value: number) => (value >= 60_000 ? '>= 60 s' : `${value} ms`);

function errorsOf(rs: ClientReport[]): string {
  const all: Record<string, number> = {};
  for (const r of rs) for (const [code, n] of Object.entries(r.errors)) all[code] = (all[code] ?? 0) + n;
  return Object.entries(all).map(([code, n]) => `${code} x${n}`).join(', ');
}

/** Polls the clients until deliveries stop growing (or reach `expected`); the last reports. */
async function drained(expected: number, capMs = 30_000): Promise<ClientReport[]> {
  const deadline = Date.now() + capMs;
  let last = -1;
  let still = 0;
  for (;;) {
    const rs = await reports();
    const got = total(rs, 'deliveries');
    if (got >= expected || Date.now() > deadline) return rs;
    still = got === last ? still + 1 : 0;
    if (still >= 4) return rs;
    last = got;
    await sleep(250);
  }
}

// ---- 1. connections -------------------------------------------------------

async function memoryPerConnection(name: string, server: Server, plan: Array<{ kind: Kind; port: number; count: number }>): Promise<number> {
  const before = await rssAfterGc(server.pid);
  const started = Date.now();
  const opened = await open(plan);
  const openSeconds = (Date.now() - started) / 1000;
  await sleep(2_000);
  const after = await rssAfterGc(server.pid);
  const per = (after - before) / opened;
  console.log(
    `${name.padEnd(34)} ${String(opened).padStart(6)} conns  RSS ${(before / 2 ** 20).toFixed(0)} -> ${(after / 2 ** 20).toFixed(0)} MB  ` +
      `${kb(per).padStart(9)} per connection  (opened in ${openSeconds.toFixed(1)} s)`,
  );
  await closeAll();
  await server.stop();
  return per;
}

// ---- 2. fan-out -----------------------------------------------------------

interface Step {
  rate: number;
  sent: number;
  /** Not sent (server answering too slowly) or refused. */
  lost: number;
  deliveriesPerSec: number;
  delivered: number;
  expected: number;
  /** Messages per frame a client received: how much the server merged. */
  perFrame: number;
  p50: number;
  p99: number;
  serverCpuUsPer1k: number;
  clientCpuShare: number;
  closed: number;
  refOk: string;
  keptUp: boolean;
}

async function step(server: Server, target: SendCommand['target'], streams: Stream[], seconds: number, members: number, countGifts = false): Promise<{ step: Step; rs: ClientReport[]; send: SendReport }> {
  await Promise.all(clients.map((c) => c.ask({ type: 'reset', countGifts })));
  const cpu0 = cpuMicros(server.pid);
  const clientCpu0 = clients.reduce((n, c) => n + cpuMicros(c.child.pid!), 0);
  const send = await sender.ask({ type: 'send', target, streams, seconds });
  const sent = send.accepted.reduce((a, b) => a + b, 0);
  const rs = await drained(sent * members);
  const serverCpu = cpuMicros(server.pid) - cpu0;
  const clientCpu = clients.reduce((n, c) => n + cpuMicros(c.child.pid!), 0) - clientCpu0;
  const delivered = total(rs, 'deliveries');
  const lastAt = Math.max(...rs.map((r) => r.lastAt));
  const wall = (Math.max(lastAt, send.lastAt) - send.firstAt) / 1000;
  const { p50, p99 } = percentiles(rs);
  const closed = total(rs, 'closed');
  const ref = total(rs, 'refDeliveries');
  const expected = sent * members;
  return {
    send,
    rs,
    step: {
      rate: streams.reduce((n, s) => n + s.rate, 0),
      sent,
      lost: send.skipped + Object.values(send.failed).reduce((a, b) => a + b, 0),
      delivered,
      expected,
      perFrame: delivered / Math.max(1, total(rs, 'frames')),
      deliveriesPerSec: delivered / wall,
      p50,
      p99,
      serverCpuUsPer1k: (serverCpu / Math.max(1, delivered)) * 1000,
      clientCpuShare: clientCpu / (serverCpu + clientCpu),
      closed,
      refOk: `${ref}/${sent}`,
      keptUp: delivered >= 0.97 * expected && closed === 0 && send.skipped === 0 && Object.keys(send.failed).length === 0 && p99 < 2_000,
    },
  };
}

function refusals(send: SendReport): string {
  const entries = Object.entries(send.failed);
  return entries.length === 0 ? 'none refused' : `refused: ${entries.map(([status, n]) => `${status} x${n}`).join(', ')}`;
}

function printStep(name: string, s: Step): void {
  console.log(
    `${name.padEnd(10)} ${String(s.rate).padStart(5)} msg/s  sent ${String(s.sent).padStart(6)}${s.lost ? ` (${s.lost} not)` : ''}  ` +
      `${(s.deliveriesPerSec / 1000).toFixed(0).padStart(6)}k deliveries/s  delivered ${((100 * s.delivered) / Math.max(1, s.expected)).toFixed(1)}%  ${s.perFrame.toFixed(1)} msg/frame  ` +
      `p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  server ${s.serverCpuUsPer1k.toFixed(0)} µs CPU/1k deliveries  ` +
      `clients ${(100 * s.clientCpuShare).toFixed(0)}% of CPU  closed ${s.closed}  reference client ${s.refOk}`,
  );
}

async function fanout(name: string, server: Server, kind: Kind, refKind: Kind, port: number, target: SendCommand['target']): Promise<Step[]> {
  const members = await open([{ kind, port, count: MEMBERS }]);
  await clients[0]!.ask({ type: 'open', kind: refKind, host: HOST, port, localAddress: HOST, count: 1, room: ROOM, secret: SECRET, sampleEvery: 1 });
  console.log(`${name}: ${members} members (+1 reference client)`);
  const steps: Step[] = [];
  const chat = (rate: number): Stream[] => [{ rate, type: 'chat', priority: 'normal' }];
  // Warm-up, not measured: JIT, first windows, buffers; light enough for a saturated baseline to drain.
  await step(server, target, chat(20), 1, members);
  let s = (await step(server, target, chat(100), STEADY_SECONDS, members)).step;
  printStep(name, s);
  steps.push(s);
  for (const rate of RAMP) {
    if (!s.keptUp) break;
    s = (await step(server, target, chat(rate), RAMP_SECONDS, members)).step;
    printStep(name, s);
    steps.push(s);
  }
  await closeAll();
  await server.stop();
  return steps;
}

// ---- 3. overload ----------------------------------------------------------

async function overload(server: Server, port: number, target: SendCommand['target']): Promise<string> {
  const members = await open([{ kind: 'homer-ws', port, count: MEMBERS }]);
  const rssBefore = await rssAfterGc(server.pid);
  let rssMax = rssBefore;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rss(server.pid))), 250);
  const streams: Stream[] = [
    { rate: 2_000, type: 'chat', priority: 'normal' },
    { rate: 10, type: 'gift', priority: 'high' },
  ];
  const { step: s, send } = await step(server, target, streams, OVERLOAD_SECONDS, members, true);
  clearInterval(sampler);
  const gifts = send.accepted[1]!;
  const chats = send.accepted[0]!;
  const rs = await reports(gifts);
  const withAll = total(rs, 'allGifts');
  const giftDeliveries = total(rs, 'gifts');
  const chatPerMember = (s.delivered - giftDeliveries) / members;
  const line =
    `overload: ${chats} chat + ${gifts} gifts accepted in ${OVERLOAD_SECONDS} s (${send.skipped} not sent, ${refusals(send)}) to ${members} members\n` +
    `  gifts: ${withAll}/${members} members got all ${gifts}; ${giftDeliveries}/${gifts * members} gift deliveries\n` +
    `  chat: ${chatPerMember.toFixed(0)} of ${chats} per member (${((100 * chatPerMember) / Math.max(1, chats)).toFixed(1)}%), ` +
    `${(s.deliveriesPerSec / 1000).toFixed(0)}k deliveries/s, p50 ${ms(s.p50)}, p99 ${ms(s.p99)}\n` +
    `  closed by the server: ${s.closed}${errorsOf(rs) ? ` (${errorsOf(rs)})` : ''}; ` +
    `RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${(rssMax / 2 ** 20).toFixed(0)} MB at most`;
  console.log(line);
  await closeAll();
  await server.stop();
  return line;
}

// ---- the run --------------------------------------------------------------

async function startHomer(dataDir: string, env: Record<string, string> = {}): Promise<{ server: Server; port: number; tcpPort: number; target: SendCommand['target'] }> {
  const port = await freePort();
  const tcpPort = await freePort();
  const server = await startServer(
    HOMER_MAIN,
    {
      HOST,
      HOMER_TCP_PORT: String(tcpPort),
      BAMBOO_INTERNAL_KEY: KEY,
      HOMER_TICKET_SECRET: SECRET,
      HOMER_PRESENCE_REPORT: 'false',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      ...env,
    },
    port,
  );
  // The HTTP port answers before the gateway's TCP port is open.
  for (let i = 0; i < 100 && !(await fetch(`http://${HOST}:${port}/readyz`).then((r) => r.ok, () => false)); i++) await sleep(100);
  return { server, port, tcpPort, target: { kind: 'homer', url: `http://${HOST}:${port}`, key: KEY, room: ROOM } };
}

const dataDir = await tempDir('homer-bench');
const started = Date.now();
try {
  console.log(
    `homer bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), load average ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}, ` +
      `ulimit -n ${fdLimit}; ${CLIENT_PROCESSES} client processes, latency read on every ${SAMPLE_EVERY}th connection`,
  );

  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const summary: string[] = [];
  if (PARTS.has('connections')) {
    console.log(`\n1. idle connections (${CONNECTIONS}; memory read after a full GC in the server)`);
    const wsPort = await freePort();
    const bare = await memoryPerConnection('bare ws (all WebSocket)', await startServer('bench/ws-server.ts', {}, wsPort), [
      { kind: 'ws', port: wsPort, count: CONNECTIONS },
    ]);
    const homer = await startHomer(dataDir);
    const mine = await memoryPerConnection('homer (half TCP, half WebSocket)', homer.server, [
      { kind: 'homer-tcp', port: homer.tcpPort, count: CONNECTIONS / 2 },
      { kind: 'homer-ws', port: homer.port, count: CONNECTIONS / 2 },
    ]);
    const ratio = mine / bare;
    summary.push(`memory per idle connection: homer ${kb(mine)}, bare ws ${kb(bare)}: ${ratio.toFixed(2)}x (target <= 1.5x) ${verdict(ratio <= 1.5)}`);
  }
  const best = (steps: Step[]) => Math.max(...steps.map((s) => s.deliveriesPerSec));
  let homerSteps: Step[] = [];
  let sioSteps: Step[] = [];
  if (PARTS.has('fanout') || PARTS.has('socketio')) {
    console.log(`\n2. fan-out to one room (${MEMBERS} WebSocket members; 100 msg/s for ${STEADY_SECONDS} s, then ${RAMP_SECONDS} s steps while it keeps up)`);
  }
  if (PARTS.has('fanout')) {
    // Raw fan-out capacity, every message to every member as Socket.IO does: no sampling here (part 3 has it).
    const homer = await startHomer(dataDir, { HOMER_WINDOW_BUDGET: '1000000' });
    homerSteps = await fanout('homer', homer.server, 'homer-ws', 'ref-homer', homer.port, homer.target);
    const p99 = homerSteps[0]!.p99;
    summary.push(`homer p99 at 100 msg/s: ${ms(p99)} (target <= 250 ms) ${verdict(p99 <= 250)}`);
  }
  if (PARTS.has('socketio')) {
    const sioPort = await freePort();
    const sioServer = await startServer('bench/socketio-server.ts', { ROOM }, sioPort);
    sioSteps = await fanout('socket.io', sioServer, 'sio', 'ref-sio', sioPort, { kind: 'sio', url: `http://${HOST}:${sioPort}` });
  }
  if (homerSteps.length > 0 && sioSteps.length > 0) {
    const ratio = best(homerSteps) / best(sioSteps);
    summary.push(
      `best deliveries/s: homer ${(best(homerSteps) / 1000).toFixed(0)}k, socket.io ${(best(sioSteps) / 1000).toFixed(0)}k: ${ratio.toFixed(2)}x (target >= 1.5x) ${verdict(ratio >= 1.5)}`,
    );
  }
  if (PARTS.has('overload')) {
    console.log(`\n3. overload (homer, ${MEMBERS} WebSocket members)`);
    const homer = await startHomer(dataDir);
    await overload(homer.server, homer.port, homer.target);
  }
  console.log('\nsummary');
  for (const line of summary) console.log(`  ${line}`);
  console.log(`  run took ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  for (const c of clients) c.stop();
  sender.stop();
  await rm(dataDir, { recursive: true, force: true });
}
