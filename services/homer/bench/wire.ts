// Lean framing for the bench's clients: goim frames and client-side
// WebSocket (RFC 6455) by hand, so a client costs a header read per frame
// and nothing more. Homer's WebSocket clients and the Socket.IO clients use
// the same WebSocket code, so neither side gets a cheaper client.
import { randomBytes } from 'node:crypto';

export const GOIM_HEADER = 16;

export function goimFrame(op: number, seq: number, body: string): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const frame = Buffer.allocUnsafe(GOIM_HEADER + payload.length);
  frame.writeInt32BE(frame.length, 0);
  frame.writeInt16BE(GOIM_HEADER, 4);
  frame.writeInt16BE(1, 6);
  frame.writeInt32BE(op, 8);
  frame.writeInt32BE(seq, 12);
  payload.copy(frame, GOIM_HEADER);
  return frame;
}

/** A goim frame's total length from its header; 0 until the length field is in. */
export function goimLength(buf: Buffer, off: number): number {
  return buf.length - off < 4 ? 0 : buf.readInt32BE(off);
}

export function upgradeRequest(host: string, port: number, path: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}

export const WS_TEXT = 1;
export const WS_BINARY = 2;
export const WS_CLOSE = 8;
export const WS_PING = 9;
export const WS_PONG = 10;

/** A server frame's total length (servers never mask); 0 until the length fields are in. */
export function wsLength(buf: Buffer, off: number): number {
  const avail = buf.length - off;
  if (avail < 2) return 0;
  const len = buf[off + 1]! & 0x7f;
  if (len < 126) return 2 + len;
  if (len === 126) return avail < 4 ? 0 : 4 + buf.readUInt16BE(off + 2);
  return avail < 10 ? 0 : 10 + buf.readUInt32BE(off + 6); // frames here stay far below 4 GiB
}

export function wsPayloadStart(buf: Buffer, off: number): number {
  const len = buf[off + 1]! & 0x7f;
  return off + (len < 126 ? 2 : len === 126 ? 4 : 10);
}

/** A masked client frame (clients must mask; the key need not be secret for a bench). */
export function wsClientFrame(opcode: number, payload: Buffer): Buffer {
  const short = payload.length < 126;
  const head = short ? 6 : 8;
  const frame = Buffer.allocUnsafe(head + payload.length);
  frame[0] = 0x80 | opcode;
  if (short) frame[1] = 0x80 | payload.length;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(payload.length, 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, head - 4);
  for (let i = 0; i < payload.length; i++) frame[head + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/**
 * Splits a byte stream into frames without copying whole chunks: a frame cut
 * by a chunk boundary is kept in parts and joined once it is complete.
 */
export class Splitter {
  private parts: Buffer[] = [];
  private have = 0;
  private need = 0;

  constructor(private readonly measure: (buf: Buffer, off: number) => number) {}

  push(chunk: Buffer, onFrame: (buf: Buffer, start: number, end: number) => void): void {
    let buf = chunk;
    if (this.parts.length > 0) {
      this.parts.push(chunk);
      this.have += chunk.length;
      if (this.need > 0 && this.have < this.need) return;
      buf = Buffer.concat(this.parts, this.have);
      this.parts = [];
      this.have = 0;
    }
    let off = 0;
    for (;;) {
      const len = this.measure(buf, off);
      if (len === 0 || off + len > buf.length) {
        if (off < buf.length) {
          this.parts = [buf.subarray(off)];
          this.have = buf.length - off;
          this.need = len;
        }
        return;
      }
      onFrame(buf, off, off + len);
      off += len;
    }
  }
}

/** The number after `"t":` (the sender's clock) inside [start, end), or -1. */
export function sentAt(buf: Buffer, start: number, end: number): number {
  const at = buf.indexOf(T_KEY, start);
  if (at < 0 || at >= end) return -1;
  let value = 0;
  for (let i = at + T_KEY.length; i < end; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    value = value * 10 + c - 48;
  }
  return value;
}

const T_KEY = Buffer.from('"t":');
