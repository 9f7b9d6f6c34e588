import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FrameError,
  FrameReader,
  HEADER_BYTES,
  decodeBatch,
  decodeFrame,
  encodeBatch,
  encodeFrame,
  encodeJsonFrame,
  parseJsonBody,
} from './frame.js';
import { CLIENT_OPS, Op } from './ops.js';

const limits = { maxFrameBytes: 4096, allowedOps: CLIENT_OPS };

describe('frame codec', () => {
  it('lays out the goim header big-endian', () => {
    const frame = encodeFrame(Op.Auth, 1, Buffer.from('{}'));
    expect(frame.toString('hex')).toBe('00000012' + '0010' + '0001' + '00000007' + '00000001' + '7b7d');
  });

  it('round-trips op, seq and body', () => {
    const body = { ticket: 'abc', lastSeq: 42, text: '弹幕 🎉' };
    const decoded = decodeFrame(encodeJsonFrame(Op.Join, 77, body), limits);
    expect(decoded).not.toBeInstanceOf(FrameError);
    const frame = decoded as Exclude<typeof decoded, FrameError>;
    expect(frame.op).toBe(Op.Join);
    expect(frame.seq).toBe(77);
    expect(parseJsonBody(frame.body)).toEqual(body);
  });

  it('round-trips an empty body and negative sequence numbers', () => {
    const frame = decodeFrame(encodeFrame(Op.Heartbeat, -5), limits);
    expect(frame).toEqual({ op: Op.Heartbeat, seq: -5, body: Buffer.alloc(0) });
  });

  it('round-trips a batch of frames', () => {
    const parts = [encodeJsonFrame(Op.Message, 1, { a: 1 }), encodeJsonFrame(Op.Message, 2, { b: 2 })];
    const batch = decodeFrame(encodeBatch(parts), { maxFrameBytes: 1 << 20 }) as { op: number; body: Buffer };
    expect(batch.op).toBe(Op.Batch);
    const inner = decodeBatch(batch.body, { maxFrameBytes: 1 << 20 });
    expect(Array.isArray(inner) && inner.map((f) => parseJsonBody(f.body))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('rejects a batch whose body ends inside a frame', () => {
    const part = encodeJsonFrame(Op.Message, 1, { a: 1 });
    const result = decodeBatch(part.subarray(0, part.length - 1), { maxFrameBytes: 1 << 20 });
    expect(result).toBeInstanceOf(FrameError);
  });

  it.each([
    ['a header length other than 16', (f: Buffer) => f.writeInt16BE(20, 4), 'bad_frame'],
    ['a packet length shorter than the header', (f: Buffer) => f.writeInt32BE(8, 0), 'bad_frame'],
    ['a negative packet length', (f: Buffer) => f.writeInt32BE(-1, 0), 'bad_frame'],
    ['an unknown version', (f: Buffer) => f.writeInt16BE(9, 6), 'bad_frame'],
    ['an operation clients may not send', (f: Buffer) => f.writeInt32BE(Op.Message, 8), 'unknown_op'],
    ['an unknown operation', (f: Buffer) => f.writeInt32BE(12345, 8), 'unknown_op'],
    ['a packet length over the limit', (f: Buffer) => f.writeInt32BE(5000, 0), 'frame_too_large'],
    ['a packet length that disagrees with the message', (f: Buffer) => f.writeInt32BE(HEADER_BYTES + 1, 0), 'bad_frame'],
  ])('rejects %s', (_name, corrupt, code) => {
    const frame = encodeJsonFrame(Op.Heartbeat, 1, { x: 'yz' });
    corrupt(frame);
    const result = decodeFrame(frame, limits);
    expect(result).toBeInstanceOf(FrameError);
    expect((result as FrameError).code).toBe(code);
  });

  it('rejects a message shorter than the header', () => {
    expect((decodeFrame(Buffer.from([0, 0, 0]), limits) as FrameError).code).toBe('bad_frame');
  });
});

describe('FrameReader (TCP stream)', () => {
  it('reassembles frames split at every byte boundary and glued together', () => {
    const frames = [encodeJsonFrame(Op.Auth, 1, { ticket: 't' }), encodeFrame(Op.Heartbeat, 2), encodeJsonFrame(Op.Join, 3, { room: '42' })];
    const stream = Buffer.concat(frames);
    for (let cut = 1; cut < stream.length; cut++) {
      const reader = new FrameReader(limits);
      const out = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(out.map((f) => (f instanceof FrameError ? f.code : f.seq))).toEqual([1, 2, 3]);
    }
  });

  it('reports an oversize frame from its header alone, before the body arrives', () => {
    const header = encodeFrame(Op.Heartbeat, 1).subarray(0, HEADER_BYTES);
    header.writeInt32BE(1_000_000, 0);
    const out = new FrameReader(limits).push(header);
    expect(out).toHaveLength(1);
    expect((out[0] as FrameError).code).toBe('frame_too_large');
  });

  it('stays failed after an error, since the stream cannot be resynchronised', () => {
    const reader = new FrameReader(limits);
    const bad = encodeFrame(Op.Heartbeat, 1);
    bad.writeInt16BE(3, 4);
    expect(reader.push(bad)[0]).toBeInstanceOf(FrameError);
    expect(reader.push(encodeFrame(Op.Heartbeat, 2))[0]).toBeInstanceOf(FrameError);
  });

  it('never throws on random bytes, and yields only frames or FrameErrors', () => {
    let frames = 0;
    let errors = 0;
    const thrown: unknown[] = [];
    const badOps: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const bytes = randomBytes(1 + (i % 200));
      // Every third input starts with a valid header, so bodies and what follows get fuzzed too.
      if (i % 3 === 0 && bytes.length >= HEADER_BYTES) encodeFrame(Op.Heartbeat, i).copy(bytes, 0, 0, 12);
      try {
        const reader = new FrameReader(limits);
        const out = [...reader.push(bytes.subarray(0, bytes.length >> 1)), ...reader.push(bytes.subarray(bytes.length >> 1))];
        for (const item of out) {
          if (item instanceof FrameError) errors++;
          else if (CLIENT_OPS.has(item.op)) frames++;
          else badOps.push(item.op);
        }
        decodeFrame(bytes, limits);
        decodeBatch(bytes, limits);
        parseJsonBody(bytes);
      } catch (error) {
        thrown.push(error);
      }
    }
    expect(thrown).toEqual([]);
    expect(badOps).toEqual([]);
    expect(errors).toBeGreaterThan(0);
    expect(frames).toBeGreaterThan(0);
  });
});
