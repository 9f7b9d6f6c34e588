// One call to an upstream instance through undici's raw dispatch interface:
// the answer's headers stay a flat list of strings for node's writeHead, and
// a small sized body is collected as bytes — no header objects, body
// streams or promises per chunk, which `pool.request` would add to every
// forwarded request. Large or unsized bodies stream, with backpressure.
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Answers up to this size with a Content-Length are read whole (a broken one is then a 502 too). */
const BUFFER_UP_TO = 256 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** A service's answer, hop-by-hop headers removed. */
export interface UpstreamAnswer {
  status: number;
  /** Lower-case names and values, flat: [name, value, name, value, ...]. */
  headers: string[];
  /** Bytes, a stream for large or unsized bodies, or null when there is none. */
  body: Buffer | Readable | null;
}

export function callUpstream(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: string[] = [];
    let chunks: Buffer[] | undefined;
    let size = 0;
    let stream: Readable | undefined;
    const noBody = options.method === 'HEAD';
    // The legacy handler shape: it is what undici's core speaks, so nothing wraps it.
    const handler = {
      onConnect() {},
      onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
        if (statusCode < 200) return true; // 1xx: the real answer follows
        status = statusCode;
        let length = Number.NaN;
        headers = [];
        for (let i = 0; i < raw.length; i += 2) {
          const name = raw[i]!.toString('latin1').toLowerCase();
          if (HOP_BY_HOP.has(name)) continue;
          const value = raw[i + 1]!.toString('latin1');
          if (name === 'content-length') length = Number(value);
          headers.push(name, value);
        }
        if (noBody || statusCode === 204 || statusCode === 304 || length <= BUFFER_UP_TO) {
          chunks = [];
          return true;
        }
        stream = new Readable({ read: () => resume() });
        resolve({ status, headers, body: stream });
        return true;
      },
      onData(chunk: Buffer): boolean {
        if (stream) return stream.push(chunk);
        size += chunk.length;
        chunks!.push(chunk);
        return true;
      },
      onComplete() {
        if (stream) return void stream.push(null);
        const body = noBody || status === 204 || status === 304 ? null : chunks!.length === 1 ? chunks![0]! : Buffer.concat(chunks!, size);
        resolve({ status, headers, body });
      },
      onError(error: Error) {
        if (stream) stream.destroy(error);
        else reject(error);
      },
    };
    dispatcher.dispatch(options, handler as unknown as Dispatcher.DispatchHandler);
  });
}
