// The floor of any Node proxy: a node:http server forwarding to UPSTREAM
// through undici's raw dispatch, nothing else — no auth, no limits, no
// signing, no metrics or logs, no timeouts. What it adds over the direct
// call is what the Node HTTP stack itself costs on this machine. Prints its port.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(process.env.UPSTREAM, { connections: 128 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** Collects one answer and writes it to the caller in one go. */
class Relay {
  constructor(res) {
    this.res = res;
    this.status = 0;
    this.headers = [];
    this.chunks = [];
  }
  onConnect() {}
  onHeaders(status, raw) {
    this.status = status;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString('latin1').toLowerCase();
      if (!HOP_BY_HOP.has(name)) this.headers.push(name, raw[i + 1].toString('latin1'));
    }
    return true;
  }
  onData(chunk) {
    this.chunks.push(chunk);
    return true;
  }
  onComplete() {
    this.res.writeHead(this.status, this.headers);
    this.res.end(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks));
  }
  onError() {
    this.res.writeHead(502);
    this.res.end();
  }
}

const server = createServer((req, res) => {
  req.resume();
  pool.dispatch({ method: req.method, path: req.url, headers: { host: 'upstream' } }, new Relay(res));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
