// The two carriers of the same frames: a raw TCP byte stream (split into
// frames by FrameReader) and WebSocket binary messages (one frame each).
import type { Socket } from 'node:net';
import * as wsLib from 'ws';
import { WebSocket } from 'ws';
import { decodeFrame, FrameReader, type DecodeLimits } from '../protocol/frame.js';
import type { Session, Transport } from './session.js';

/** How long a closing connection may take to flush before it is cut. */
const LINGER_MS = 1_000;

/** ws' send options, shared rather than allocated per frame. */
const BINARY = { binary: true } as const;

// Frames in flight are counted with one callback per connection (made once),
// decremented when the frame reaches the kernel (TCP: write's callback; ws:
// send's), so the count costs no allocation per frame.

export function tcpTransport(socket: Socket): Transport {
  let pending = 0;
  const written = (): void => void pending--;
  return {
    kind: 'tcp',
    write: (frame) => {
      pending++;
      socket.write(frame, written);
    },
    bufferedBytes: () => socket.writableLength,
    pendingFrames: () => pending,
    end: () => {
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    },
  };
}

export function wireTcp(socket: Socket, session: Session, limits: DecodeLimits): void {
  const reader = new FrameReader(limits);
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) session.receive(frame);
  });
  socket.on('error', () => session.close());
  socket.on('close', () => session.close());
}

/** ws' internal writer: `sendFrame` writes framed bytes as they are (what Socket.IO's pre-encoded broadcast uses). */
interface FrameWriter {
  sendFrame(list: Buffer[], cb: () => void): void;
}

/** ws' framing (exported by ws, not declared by @types/ws). */
const { Sender } = wsLib as unknown as {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
};

// The WebSocket framing of the frame being fanned out, made once: a window's
// frame is written to every member of a shard in a row, so a one-entry cache
// turns ws' per-send framing (options object, header buffer, corked writev)
// into one write of the same bytes per connection.
let lastFrame: Buffer | undefined;
let lastWire: Buffer[] = [];

function wsWire(frame: Buffer): Buffer[] {
  if (frame !== lastFrame) {
    lastWire = [Buffer.concat(Sender.frame(frame, { fin: true, opcode: 2, mask: false, readOnly: true, rsv1: false }))];
    lastFrame = frame;
  }
  return lastWire;
}

export function wsTransport(ws: WebSocket): Transport {
  let pending = 0;
  const written = (): void => void pending--;
  // Only plain frames can be written pre-framed; with permessage-deflate ws must compress each.
  const sender = ws.extensions === '' ? (ws as unknown as { _sender: FrameWriter })._sender : undefined;
  return {
    kind: 'ws',
    write: (frame) => {
      pending++;
      if (sender && ws.readyState === WebSocket.OPEN) sender.sendFrame(wsWire(frame), written);
      else ws.send(frame, BINARY, written);
    },
    bufferedBytes: () => ws.bufferedAmount,
    pendingFrames: () => pending,
    end: () => {
      ws.close(1000);
      setTimeout(() => ws.terminate(), LINGER_MS).unref();
    },
  };
}

export function wireWs(ws: WebSocket, session: Session, limits: DecodeLimits): void {
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return session.fail('text_frame', 'frames must be WebSocket binary messages');
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    session.receive(decodeFrame(buf, limits));
  });
  ws.on('error', () => session.close());
  ws.on('close', () => session.close());
}
