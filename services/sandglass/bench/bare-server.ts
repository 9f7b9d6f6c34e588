// The ceiling: a bare Node http server answering a constant.
import { createServer } from 'node:http';

const body = JSON.stringify({ intervalMs: 30_000 });
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
