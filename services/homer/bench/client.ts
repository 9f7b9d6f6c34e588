// A bench client process (forked by run.ts): holds thousands of connections
// of one kind and counts what they receive, with as little work per message
// as possible — a header read and a counter; on every `sampleEvery`-th
// connection also the sender's timestamp, for latency. Kinds:
//   homer-tcp / homer-ws  auth with a ticket, then room messages (op 5, op 9 batches)
//   ws                    a bare WebSocket connection that only stays open
//   sio                   Socket.IO v5 over Engine.IO v4 on a WebSocket ("42[…]" events)
//   ref-homer / ref-sio   one full client (src/client, socket.io-client) as a cross-check
import { connect, type Socket } from 'node:net';
import { io as sioConnect } from 'socket.io-client';
import { DanmakuClient } from '../src/client/client.js';
import { issueTicket } from '../src/logic/ticket.js';
import { Op } from '../src/protocol/ops.js';
import {
  GOIM_HEADER,
  Splitter,
  WS_BINARY,
  WS_CLOSE,
  WS_PING,
  WS_PONG,
  WS_TEXT,
  goimFrame,
  goimLength,
  sentAt,
  upgradeRequest,
  wsClientFrame,
  wsLength,
  wsPayloadStart,
} from './wire.js';
import type { ClientCommand, ClientReport, Kind } from './protocol.js';

const CONNECTS_IN_FLIGHT = 64;
const CONNECT_TIMEOUT_MS = 30_000;
/** A server that stops answering must not hold the whole run: past this, the rest count as failed. */
const OPEN_ALL_WITHIN_MS = 90_000;
const HEARTBEAT_EVERY_MS = 25_000;
const MAX_LATENCY_MS = 60_000;
const TYPE_KEY = Buffer.from('"type":"');
const G = 0x67; // 'g' of "gift"

interface Conn {
  socket: Socket;
  /** Frames of the ws upgrade or of the stream itself. */
  splitter: Splitter;
  upgraded: boolean;
  sampled: boolean;
  gifts: number;
  closed: boolean;
  /** homer's connections send heartbeats. */
  homer: boolean;
  ready?: () => void;
  write(payload: Buffer): void;
}

const conns: Conn[] = [];
const refs: Array<{ close(): void }> = [];
let deliveries = 0;
let frames = 0;
let refDeliveries = 0;
let giftsTotal = 0;
let lastAt = 0;
let closedCount = 0;
let latency = new Uint32Array(MAX_LATENCY_MS + 1);
let errors: Record<string, number> = {};
let countGifts = false;

function message(conn: Conn, buf: Buffer, start: number, end: number, now: number): void {
  deliveries++;
  lastAt = now;
  if (countGifts) {
    const at = buf.indexOf(TYPE_KEY, start);
    if (at >= 0 && at < end && buf[at + TYPE_KEY.length] === G) {
      conn.gifts++;
      giftsTotal++;
    }
  }
  if (conn.sampled) {
    const t = sentAt(buf, start, end);
    if (t > 0) latency[Math.min(MAX_LATENCY_MS, Math.max(0, now - t))]!++;
  }
}

function goim(conn: Conn, buf: Buffer, start: number, end: number, now: number): void {
  const op = buf.readInt32BE(start + 8);
  if (op === Op.Message) {
    frames++;
    return message(conn, buf, start + GOIM_HEADER, end, now);
  }
  if (op === Op.Batch) {
    frames++;
    for (let p = start + GOIM_HEADER; p < end; ) {
      const len = buf.readInt32BE(p);
      message(conn, buf, p + GOIM_HEADER, p + len, now);
      p += len;
    }
    return;
  }
  if (op === Op.JoinReply) return conn.ready?.();
  if (op === Op.Error) {
    const { code } = JSON.parse(buf.toString('utf8', start + GOIM_HEADER, end)) as { code: string };
    errors[code] = (errors[code] ?? 0) + 1;
  }
}

function sio(conn: Conn, buf: Buffer, start: number, end: number, now: number): void {
  const type = buf[start];
  if (type === 0x34 /* '4' message */) {
    if (buf[start + 1] === 0x32 /* '2' event */) {
      frames++;
      return message(conn, buf, start, end, now);
    }
    if (buf[start + 1] === 0x30 /* '0' connected */) return conn.ready?.();
  } else if (type === 0x30 /* '0' open */) conn.write(Buffer.from('40'));
  else if (type === 0x32 /* '2' ping */) conn.write(Buffer.from('3'));
}

function open(kind: Kind, host: string, port: number, localAddress: string, room: string, secret: string, sampled: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = kind !== 'homer-tcp';
    const socket = connect({ host, port, localAddress, noDelay: true });
    const conn: Conn = {
      socket,
      splitter: new Splitter(ws ? wsLength : goimLength),
      upgraded: !ws,
      sampled,
      gifts: 0,
      closed: false,
      homer: kind === 'homer-tcp' || kind === 'homer-ws',
      ready: resolve,
      write: ws
        ? (payload) => socket.write(wsClientFrame(kind === 'sio' ? WS_TEXT : WS_BINARY, payload))
        : (payload) => socket.write(payload),
    };
    const onFrame =
      kind === 'homer-tcp'
        ? (buf: Buffer, s: number, e: number) => goim(conn, buf, s, e, Date.now())
        : (buf: Buffer, s: number, e: number) => {
            const opcode = buf[s]! & 0x0f;
            const p = wsPayloadStart(buf, s);
            if (opcode === WS_BINARY && kind === 'homer-ws') goim(conn, buf, p, e, Date.now());
            else if (opcode === WS_TEXT && kind === 'sio') sio(conn, buf, p, e, Date.now());
            else if (opcode === WS_PING) socket.write(wsClientFrame(WS_PONG, buf.subarray(p, e)));
            else if (opcode === WS_CLOSE) socket.destroy();
          };
    const auth = () => conn.write(goimFrame(Op.Auth, 1, JSON.stringify({ ticket: ticketFor(room, secret) })));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('connect timeout'));
    }, CONNECT_TIMEOUT_MS);
    conn.ready = () => {
      conn.ready = undefined;
      clearTimeout(timer);
      resolve();
    };
    socket.on('connect', () => {
      if (ws) socket.write(upgradeRequest(host, port, kind === 'sio' ? '/socket.io/?EIO=4&transport=websocket' : kind === 'homer-ws' ? '/sub' : '/'));
      else auth();
    });
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (conn.upgraded) return conn.splitter.push(chunk, onFrame);
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.startsWith('HTTP/1.1 101')) return socket.destroy(new Error(head.split('\r\n')[0]));
      conn.upgraded = true;
      if (kind === 'ws') conn.ready?.();
      if (kind === 'homer-ws') auth();
      const rest = chunk.subarray(chunk.length - (head.length - end - 4));
      if (rest.length > 0) conn.splitter.push(rest, onFrame);
    });
    socket.on('error', (error) => {
      errors[error.message] = (errors[error.message] ?? 0) + 1;
    });
    socket.on('close', () => {
      if (!conn.closed) closedCount++;
      conn.closed = true;
      clearTimeout(timer);
      reject(new Error('closed during the handshake'));
    });
    conns.push(conn);
  });
}

function ticketFor(room: string, secret: string): string {
  const uid = `bench-${process.pid}-${conns.length}`;
  return issueTicket(Buffer.from(secret, 'utf8'), { uid, room, canSend: false, expiresAt: Date.now() + 600_000 });
}

async function openAll(command: Extract<ClientCommand, { type: 'open' }>): Promise<{ opened: number; failed: number }> {
  let next = 0;
  let opened = 0;
  let failed = 0;
  const deadline = Date.now() + OPEN_ALL_WITHIN_MS;
  await Promise.all(
    Array.from({ length: Math.min(CONNECTS_IN_FLIGHT, command.count) }, async () => {
      for (let i = next++; i < command.count; i = next++) {
        if (Date.now() > deadline) {
          failed++;
          continue;
        }
        const sampled = i % command.sampleEvery === 0;
        try {
          await open(command.kind, command.host, command.port, command.localAddress, command.room, command.secret, sampled);
          opened++;
        } catch {
          failed++;
        }
      }
    }),
  );
  return { opened, failed };
}

async function openRef(command: Extract<ClientCommand, { type: 'open' }>): Promise<void> {
  if (command.kind === 'ref-homer') {
    const client = await DanmakuClient.ws(`ws://${command.host}:${command.port}/sub`, {
      ticket: ticketFor(command.room, command.secret),
      onMessage: () => refDeliveries++,
    });
    refs.push({ close: () => void client.close() });
    return;
  }
  const socket = sioConnect(`http://${command.host}:${command.port}`, { transports: ['websocket'] });
  socket.onAny(() => refDeliveries++);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  refs.push({ close: () => void socket.close() });
}

function report(expectGifts: number): ClientReport {
  const open = conns.filter((c) => !c.closed);
  const hist: Array<[number, number]> = [];
  latency.forEach((n, ms) => n > 0 && hist.push([ms, n]));
  return {
    type: 'report',
    connections: open.length,
    closed: closedCount,
    deliveries,
    frames,
    refDeliveries,
    gifts: giftsTotal,
    allGifts: open.filter((c) => c.gifts >= expectGifts).length,
    lastAt,
    latency: hist,
    errors,
  };
}

function reset(): void {
  deliveries = 0;
  frames = 0;
  refDeliveries = 0;
  giftsTotal = 0;
  lastAt = 0;
  latency = new Uint32Array(MAX_LATENCY_MS + 1);
  errors = {};
  for (const c of conns) c.gifts = 0;
}

function closeAll(): void {
  for (const c of conns) {
    c.closed = true;
    c.socket.destroy();
  }
  conns.length = 0;
  closedCount = 0;
  for (const r of refs.splice(0)) r.close();
}

// homer's sessions time out after 2.5 heartbeat intervals (30 s by default).
const heartbeat = goimFrame(Op.Heartbeat, 0, '');
setInterval(() => {
  for (const c of conns) if (c.homer && !c.closed && !c.ready) c.write(heartbeat);
}, HEARTBEAT_EVERY_MS).unref();

const send = (m: unknown) => process.send!(m);
process.on('message', async (command: ClientCommand) => {
  switch (command.type) {
    case 'open': {
      const started = Date.now();
      if (command.kind === 'ref-homer' || command.kind === 'ref-sio') {
        await openRef(command).then(
          () => send({ type: 'opened', opened: 1, failed: 0, ms: Date.now() - started }),
          () => send({ type: 'opened', opened: 0, failed: 1, ms: Date.now() - started }),
        );
        return;
      }
      const result = await openAll(command);
      send({ type: 'opened', ...result, ms: Date.now() - started });
      return;
    }
    case 'reset':
      countGifts = command.countGifts;
      reset();
      send({ type: 'reset' });
      return;
    case 'report':
      send(report(command.expectGifts ?? 0));
      return;
    case 'close':
      closeAll();
      send({ type: 'closed' });
      return;
  }
});
process.on('disconnect', () => process.exit(0));
