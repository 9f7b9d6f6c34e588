// The load generator, in its own process: autocannon against `url`, each
// request for a random room of `rooms`, a random viewer (device id) and a
// random region. `url` without {room} is requested as is. One JSON line out.
import autocannon from 'autocannon';

const [url, roomsArg, secondsArg, connectionsArg, regionsArg] = process.argv.slice(2);
const rooms = Number(roomsArg);
const regions = (regionsArg ?? '').split(',').filter(Boolean);
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const target = new URL(url!);

const result = await autocannon({
  url: target.origin,
  connections: Number(connectionsArg),
  duration: Number(secondsArg),
  requests: [
    {
      setupRequest: (req) => ({
        ...req,
        path: target.pathname.includes('%7Broom%7D')
          ? `${target.pathname.replace('%7Broom%7D', `room-${Math.floor(Math.random() * rooms)}`)}?region=${pick(regions)}&device=device-${Math.floor(Math.random() * 1e9)}`
          : target.pathname,
      }),
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({ requestsPerSec: result.requests.average, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts })}\n`,
);
