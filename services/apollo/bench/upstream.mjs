// The trivial upstream of the benchmark: a bare Node http server answering a
// constant JSON, plus /healthz. Prints its port.
import { createServer } from 'node:http';

const body = JSON.stringify({ room: '1', title: 'bench', live: true });
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
