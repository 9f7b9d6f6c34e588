// The load generator's ceiling: a bare Node HTTP server that reads each
// request's body and answers 201 with a small JSON, doing nothing else.
import { createServer } from 'node:http';

createServer((req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, bytes })));
}).listen(Number(process.env.PORT), '127.0.0.1');
