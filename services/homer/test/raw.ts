// Raw protocol peers for bad-input tests: write any bytes, read every frame
// until the server closes.
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { decodeFrame, FrameError, FrameReader, parseJsonBody, type Frame } from '../src/protocol/frame.js';

export interface RawPeer {
  frames: Frame[];
  closed: Promise<void>;
  isClosed(): boolean;
  write(bytes: Buffer | string): void;
  /** Bodies of frames with `op`, parsed as JSON. */
  bodies(op: number): Array<Record<string, unknown>>;
  close(): void;
}

const LIMITS = { maxFrameBytes: 16 << 20 };

function peer(frames: Frame[], closed: Promise<void>, state: { closed: boolean }, write: RawPeer['write'], close: () => void): RawPeer {
  return {
    frames,
    closed,
    isClosed: () => state.closed,
    write,
    bodies: (op) => frames.filter((f) => f.op === op).map((f) => parseJsonBody(f.body) as Record<string, unknown>),
    close,
  };
}

export async function rawTcp(address: string): Promise<RawPeer & { socket: Socket }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = connect({ host, port });
  const frames: Frame[] = [];
  const state = { closed: false };
  const reader = new FrameReader(LIMITS);
  socket.on('data', (chunk: Buffer) => {
    for (const f of reader.push(chunk)) if (!(f instanceof FrameError)) frames.push(f);
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => ((state.closed = true), resolve())));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return Object.assign(peer(frames, closed, state, (b) => socket.write(b), () => socket.destroy()), { socket });
}

export async function rawWs(url: string): Promise<RawPeer> {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  const state = { closed: false };
  ws.on('message', (data) => {
    const f = decodeFrame(data as Buffer, LIMITS);
    if (!(f instanceof FrameError)) frames.push(f);
  });
  ws.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => ws.on('close', () => ((state.closed = true), resolve())));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return peer(frames, closed, state, (b) => ws.send(b), () => ws.terminate());
}
