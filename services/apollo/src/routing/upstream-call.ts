// One call to an upstream instance through undici's raw dispatch interface:
// the answer's headers stay a flat list of strings for node's writeHead, and
// a small sized body is collected as bytes — no header objects, body
// streams or promises per chunk, which `pool.request` would add to every
// forwarded request. Large or unsized bodies stream, with backpressure.
//
// The route's timeout is kept here with one native timer per call, cleared
// when the call ends, instead of undici's headers and body timeouts: undici
// keeps those in a list it prunes twice a second, so each call's timer lived
// long enough to be promoted to V8's old generation, and the major
// collections that garbage brought were most of apollo's p99 at half load.
import { Readable } from 'node:stream';
import { errors as undiciErrors, type Dispatcher } from 'undici';

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

/**
 * `timeoutMs` bounds the wait for the answer's headers and its body, or with a
 * streamed body the silence between two chunks (while the caller is not
 * holding the stream back): past it the call fails with undici's
 * HeadersTimeoutError or BodyTimeoutError, and its connection is closed.
 */
export function callUpstream(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, timeoutMs: number): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const collector = new AnswerCollector(options.method === 'HEAD', timeoutMs, resolve, reject);
    // undici's own timers off (0): this call's timer covers both, and also the wait in the pool's queue.
    options.headersTimeout = 0;
    options.bodyTimeout = 0;
    dispatcher.dispatch(options, collector as unknown as Dispatcher.DispatchHandler);
  });
}

function expire(collector: AnswerCollector): void {
  collector.expire();
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
  /** Whether the caller holds the stream back: silence then is not the service's. */
  private paused = false;
  private readonly timer: NodeJS.Timeout;
  /** undici's abort of this call, once it is sent; before that the call only waits in the pool's queue. */
  private abort: ((error: Error) => void) | undefined;
  /** Set when the call timed out before undici sent it: it is aborted as soon as undici does. */
  private expiredWith: Error | undefined;

  constructor(
    private readonly noBody: boolean,
    timeoutMs: number,
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.timer = setTimeout(expire, timeoutMs, this).unref();
  }

  onConnect(abort: (error: Error) => void): void {
    if (this.expiredWith) abort(this.expiredWith);
    else this.abort = abort;
  }

  expire(): void {
    if (this.paused) return void this.timer.refresh();
    const error = this.stream ? new undiciErrors.BodyTimeoutError() : new undiciErrors.HeadersTimeoutError();
    if (this.abort) return this.abort(error); // undici answers with onError
    this.expiredWith = error;
    this.reject(error);
  }

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
    this.stream = new Readable({
      read: () => {
        this.paused = false;
        this.timer.refresh();
        resume();
      },
      // The caller went away mid-answer: the service's connection is closed too.
      destroy: (error, done) => {
        clearTimeout(this.timer);
        this.abort?.(error ?? new undiciErrors.RequestAbortedError());
        done(error);
      },
    });
    this.timer.refresh();
    this.resolve({ status: statusCode, headers, body: this.stream });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.stream) {
      this.timer.refresh();
      this.paused = !this.stream.push(chunk);
      return !this.paused;
    }
    this.size += chunk.length;
    this.chunks!.push(chunk);
    return true;
  }

  onComplete(): void {
    clearTimeout(this.timer);
    if (this.stream) return void this.stream.push(null);
    const { status, chunks } = this;
    const body = this.noBody || status === 204 || status === 304 ? null : chunks!.length === 1 ? chunks![0]! : Buffer.concat(chunks!, this.size);
    this.resolve({ status, headers: this.headers, body });
  }

  onError(error: Error): void {
    clearTimeout(this.timer);
    if (this.stream) this.stream.destroy(error);
    else this.reject(error);
  }
}
