// The goim frame: a 16-byte big-endian header and a body.
//   0  int32 packet length (header + body)
//   4  int16 header length (always 16)
//   6  int16 protocol version (1)
//   8  int32 operation
//  12  int32 sequence (client's own counter; replies echo it)
//  16  body (JSON in UTF-8, or whole frames for Op.Batch)
// Decoding never throws: bad input comes back as a FrameError value, so a
// gateway can answer with an error frame and close instead of crashing.

export const HEADER_BYTES = 16;
export const VERSION = 1;

export interface Frame {
  op: number;
  seq: number;
  body: Buffer;
}

export type FrameErrorCode = 'bad_frame' | 'frame_too_large' | 'unknown_op';

export class FrameError {
  constructor(
    readonly code: FrameErrorCode,
    readonly message: string,
  ) {}
}

export function encodeFrame(op: number, seq: number, body: Buffer | Uint8Array = Buffer.alloc(0)): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeInt32BE(HEADER_BYTES + body.length, 0);
  frame.writeInt16BE(HEADER_BYTES, 4);
  frame.writeInt16BE(VERSION, 6);
  frame.writeInt32BE(op, 8);
  frame.writeInt32BE(seq | 0, 12);
  frame.set(body, HEADER_BYTES);
  return frame;
}

export function encodeJsonFrame(op: number, seq: number, body: unknown): Buffer {
  return encodeFrame(op, seq, Buffer.from(JSON.stringify(body), 'utf8'));
}

/** Several frames as one Op.Batch frame (goim's OpRaw). */
export function encodeBatch(frames: readonly Buffer[]): Buffer {
  return encodeFrame(9, 0, Buffer.concat(frames));
}

export interface DecodeLimits {
  maxFrameBytes: number;
  /** When given, an op outside it is an error. */
  allowedOps?: ReadonlySet<number>;
}

/**
 * Reads the header at the start of `buf`. Returns the frame's total length,
 * 0 when more bytes are needed to know, or a FrameError.
 */
function frameLength(buf: Buffer, limits: DecodeLimits): number | FrameError {
  if (buf.length < HEADER_BYTES) return 0;
  const packetLength = buf.readInt32BE(0);
  const headerLength = buf.readInt16BE(4);
  if (headerLength !== HEADER_BYTES) return new FrameError('bad_frame', `header length ${headerLength}, expected 16`);
  if (packetLength < HEADER_BYTES) return new FrameError('bad_frame', `packet length ${packetLength} is shorter than the header`);
  if (packetLength > limits.maxFrameBytes) {
    return new FrameError('frame_too_large', `packet length ${packetLength} exceeds ${limits.maxFrameBytes}`);
  }
  const version = buf.readInt16BE(6);
  if (version !== VERSION) return new FrameError('bad_frame', `version ${version}, expected ${VERSION}`);
  const op = buf.readInt32BE(8);
  if (limits.allowedOps && !limits.allowedOps.has(op)) return new FrameError('unknown_op', `operation ${op} is not accepted`);
  return packetLength;
}

function sliceFrame(buf: Buffer, length: number): Frame {
  return { op: buf.readInt32BE(8), seq: buf.readInt32BE(12), body: buf.subarray(HEADER_BYTES, length) };
}

/** Exactly one frame filling `buf` (a WebSocket message). */
export function decodeFrame(buf: Buffer, limits: DecodeLimits): Frame | FrameError {
  if (buf.length < HEADER_BYTES) return new FrameError('bad_frame', `${buf.length} bytes is shorter than the header`);
  const length = frameLength(buf, limits);
  if (length instanceof FrameError) return length;
  if (length !== buf.length) return new FrameError('bad_frame', `packet length ${length} but ${buf.length} bytes received`);
  return sliceFrame(buf, length);
}

/** The frames inside an Op.Batch body; an error if they do not tile it exactly. */
export function decodeBatch(body: Buffer, limits: DecodeLimits): Frame[] | FrameError {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < body.length) {
    const rest = body.subarray(offset);
    const length = frameLength(rest, limits);
    if (length instanceof FrameError) return length;
    if (length === 0 || length > rest.length) return new FrameError('bad_frame', 'batch body ends inside a frame');
    frames.push(sliceFrame(rest, length));
    offset += length;
  }
  return frames;
}

/**
 * Splits a byte stream (TCP) into frames. After an error the reader stays
 * failed: the stream cannot be resynchronised, the connection must close.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private failed: FrameError | undefined;

  constructor(private readonly limits: DecodeLimits) {}

  push(chunk: Buffer): Array<Frame | FrameError> {
    if (this.failed) return [this.failed];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Array<Frame | FrameError> = [];
    for (;;) {
      const length = frameLength(this.pending, this.limits);
      if (length instanceof FrameError) {
        this.failed = length;
        this.pending = Buffer.alloc(0);
        out.push(length);
        return out;
      }
      if (length === 0 || this.pending.length < length) return out;
      // Copy so a retained body does not pin the whole chunk.
      out.push(sliceFrame(Buffer.from(this.pending.subarray(0, length)), length));
      this.pending = this.pending.subarray(length);
    }
  }
}

/** Parses a JSON body; undefined when it is not JSON (empty counts as {}). */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
