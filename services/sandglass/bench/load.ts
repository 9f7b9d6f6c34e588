// The load generator, in its own process: autocannon against one URL with
// heartbeats of random users (100k of them, each in a room and a page), one
// per request or `batch` per request. Prints one JSON line of results.
import autocannon from 'autocannon';

const [url, batchArg, secondsArg, connectionsArg] = process.argv.slice(2);
const batch = Number(batchArg);
const USERS = 100_000;

function heartbeat() {
  const n = Math.floor(Math.random() * USERS);
  return { uid: `user${n}`, modules: [`room:${n % 500}`, 'page:home'], platform: 'ios' };
}

const result = await autocannon({
  url: url!,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  connections: Number(connectionsArg),
  duration: Number(secondsArg),
  requests: [
    {
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify(batch > 1 ? { heartbeats: Array.from({ length: batch }, heartbeat) } : heartbeat()),
      }),
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    requestsPerSec: result.requests.average,
    heartbeats: result.requests.total * batch,
    heartbeatsPerSec: result.requests.average * batch,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  })}\n`,
);
