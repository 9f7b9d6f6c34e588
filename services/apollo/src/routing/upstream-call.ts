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
    dispatcher.dispatch(options, new AnswerCollector(options.method === 'HEAD', resolve, reject) as unknown as Dispatcher.DispatchHandler);
  });
}

/**
 * undici's legacy handler shape (what its core speaks, so nothing wraps it),
 * as one object per call whose methods live on the prototype: no closure per
 * callback per request.
 */
class AnswerCollector {
  private status = 0;
  private headers: string[] = [];
  private chunks: Buffer[] | undefined;
  private size = 0;
  private stream: Readable | undefined;

  constructor(
    private readonly noBody: boolean,
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  onConnect(): void {}

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: the real answer follows
    this.status = statusCode;
    let length = Number.NaN;
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toString('latin1').toLowerCase();
      if (HOP_BY_HOP.has(name)) continue;
      const value = raw[i + 1]!.toString('latin1');
      if (name === 'content-length') length = Number(value);
      headers.push(name, value);
    }
    this.headers = headers;
    if (this.noBody || statusCode === 204 || statusCode === 304 || length <= BUFFER_UP_TO) {
      this.chunks = [];
      return true;
    }
    this.stream = new Readable({ read: () => resume() });
    this.resolve({ status: statusCode, headers, body: this.stream });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.stream) return this.stream.push(chunk);
    this.size += chunk.length;
    this.chunks!.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.stream) return void this.stream.push(null);
    const { status, chunks } = this;
    const body = this.noBody || status === 204 || status === 304 ? null : chunks!.length === 1 ? chunks![0]! : Buffer.concat(chunks!, this.size);
    this.resolve({ status, headers: this.headers, body });
  }

  onError(error: Error): void {
    if (this.stream) this.stream.destroy(error);
    else this.reject(error);
  }
}
