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

let answered = 0;
let allAnswered;
const finished = new Promise((resolve) => (allAnswered = resolve));

function settle(due, counted, outcome) {
  if (counted) {
    if (outcome === 'ok') ok++;
    else if (outcome === 'non2xx') non2xx++;
    else errors++;
    latencies[done++] = performance.now() - due;
  }
  if (++answered === total) allAnswered();
}

/**
 * One request's answer through undici's raw dispatch interface: the
 * generator shares the cores with what it measures, so it spends as little
 * as it can per request (no promise, stream or header object, no closure).
 */
class Answer {
  constructor(due, counted) {
    this.due = due;
    this.counted = counted;
    this.status = 0;
  }
  onConnect() {}
  onHeaders(status) {
    this.status = status;
    return true;
  }
  onData() {
    return true;
  }
  onComplete() {
    settle(this.due, this.counted, this.status >= 200 && this.status < 300 ? 'ok' : 'non2xx');
  }
  onError() {
    settle(this.due, this.counted, 'error');
  }
}

const start = performance.now();
/** Every millisecond: the requests now due. */
function tick() {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
  while (sent < due) {
    pool.dispatch({ method: 'GET', path, headers }, new Answer(start + (sent * 1000) / rate, sent >= warmup));
    sent++;
  }
  if (sent < total) setTimeout(tick, 1);
}
tick();
await finished;
const elapsed = (performance.now() - start) / 1000 - warmup / rate;
const sorted = latencies.slice(0, done).sort();
const at = (q) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
process.stdout.write(
  `${JSON.stringify({ sent: sent - warmup, ok, non2xx, errors, rps: Math.round(done / elapsed), p50: at(0.5), p99: at(0.99), max: at(1) })}\n`,
);
await pool.close();
