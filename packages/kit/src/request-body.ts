// Reads a request's body whole on node's request (for handlers that sign,
// verify or parse all of it), refusing at once what is over the limit: by
// its Content-Length before reading a byte, else as soon as it grows past.
import type { IncomingMessage } from 'node:http';
import { AppError } from './errors.js';

/** The body (undefined when empty), or 'too_large' past `maxBytes` (the rest is drained, not kept). */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined | 'too_large'> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) {
    req.resume();
    return Promise.resolve('too_large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      done();
      req.resume();
      resolve('too_large');
    };
    const onEnd = () => {
      done();
      resolve(size === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    // The caller went away mid-body (node reports it as an error, or only a
    // close): nothing to handle, and a 4xx, not a server error.
    const onAbort = () => {
      done();
      reject(new AppError(400, 'request_aborted', 'the caller closed the request before its body ended'));
    };
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}
