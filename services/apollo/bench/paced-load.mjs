// An open-loop load generator at a steady rate, in its own process, for the
// latency figures. autocannon's -R sends each connection's share of a second
// at the start of that second, so its "half load" is bursts at full speed;
// here requests are spread evenly (every millisecond, those now due), and each
// latency counts from when the request was due, so a stall is not hidden.
// The first 3 s (PACED_WARMUP_S) run at the same rate uncounted: a new
// process opening its connections and compiling its hot paths is not what
// the target adds (with 1 s, the backlog of that start was often still
// draining when counting began, worth 100-200 ms at the next second's top).
//
//   node paced-load.mjs <url> <rate per s> <seconds> [connections] [headers JSON]
// Prints one JSON line: sent, ok, non2xx, errors, rps, p50, p99, max (ms).
import { Pool } from 'undici';

const [url, rateArg, secondsArg, connectionsArg, headersArg] = process.argv.slice(2);
const target = new URL(url);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const headers = headersArg ? JSON.parse(headersArg) : {};
const pool = new Pool(target.origin, { connections: Number(connectionsArg ?? 50), pipelining: 1 });
const path = target.pathname + target.search;
const warmup = Math.round(rate * Number(process.env.PACED_WARMUP_S ?? 3));
const total = warmup + Math.round(rate * seconds);
const latencies = new Float64Array(total - warmup);
let sent = 0;
let done = 0;
let ok = 0;
let non2xx = 0;
let errors = 0;

const start = performance.now();
const finished = new Promise((resolve) => {
  let answered = 0;
  const one = (due, counted) => {
    const settle = (outcome) => {
      if (counted) {
        if (outcome === 'ok') ok++;
        else if (outcome === 'non2xx') non2xx++;
        else errors++;
        latencies[done++] = performance.now() - due;
      }
      if (++answered === total) resolve();
    };
    pool.request({ method: 'GET', path, headers }).then(
      async (res) => {
        await res.body.dump();
        settle(res.statusCode >= 200 && res.statusCode < 300 ? 'ok' : 'non2xx');
      },
      () => settle('error'),
    );
  };
  const tick = () => {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
    while (sent < due) {
      one(start + (sent * 1000) / rate, sent >= warmup);
      sent++;
    }
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
});
await finished;
const elapsed = (performance.now() - start) / 1000 - warmup / rate;
const sorted = latencies.slice(0, done).sort();
const at = (q) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
process.stdout.write(
  `${JSON.stringify({ sent: sent - warmup, ok, non2xx, errors, rps: Math.round(done / elapsed), p50: at(0.5), p99: at(0.99), max: at(1) })}\n`,
);
await pool.close();
