// A small homer client over TCP or WebSocket: authenticates with a connect
// ticket, joins rooms (resuming from the last sequence number it saw), keeps
// the heartbeat the server asks for, and emits messages in order. Used by
// the tests, the benchmark and the command-line client.
import { EventEmitter } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { decodeBatch, decodeFrame, encodeJsonFrame, FrameError, FrameReader, parseJsonBody, type Frame } from '../protocol/frame.js';
import { Op } from '../protocol/ops.js';
import type { RoomMessage } from '../stores/room-bus.js';
import type { UnicastMessage } from '../stores/inbox.js';

/** Largest frame the client accepts from a server (batches can be big). */
const MAX_SERVER_FRAME = 16 * 1024 * 1024;
const LIMITS = { maxFrameBytes: MAX_SERVER_FRAME };

export interface AuthReply {
  uid: string;
  room: string;
  canSend: boolean;
  heartbeatMs: number;
}

export interface JoinReply {
  room: string;
  lastSeq: number;
  online: number;
  resumed: number;
  gap: boolean;
  shard: number;
}

export interface AckReply {
  removed: number;
  unknown: number;
}

export interface ServerError {
  code: string;
  message: string;
  fatal: boolean;
}

export interface ConnectOptions {
  ticket: string;
  /** Resume the ticket's room after this sequence number. */
  lastSeq?: number;
  network?: string;
  /** Send heartbeats at the interval the server chose (default true). */
  heartbeat?: boolean;
  /** Give up on the handshake after this long (default 10 s). */
  timeoutMs?: number;
  /** Listens from the start, so messages replayed during the handshake are seen too. */
  onMessage?: (message: RoomMessage) => void;
  /** Listens from the start for unicast messages (the inbox comes right after the handshake). */
  onUnicast?: (message: UnicastMessage) => void;
}

interface Pending {
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
  replyOp: number;
}

export class ServerErrorFrame extends Error {
  constructor(readonly error: ServerError) {
    super(`${error.code}: ${error.message}`);
  }
}

/**
 * Events: 'message' (RoomMessage), 'unicast' (UnicastMessage; ack it by id
 * when it has one), 'notice' (object), 'error' (ServerError), 'close' ().
 * Messages come in sequence order per room, unicast in id order.
 */
export class DanmakuClient extends EventEmitter {
  auth: AuthReply | undefined;
  /** The join reply for the ticket's room (its shard, online count, resume). */
  joined: JoinReply | undefined;
  /** Highest sequence number seen per room: what to resume from. */
  readonly lastSeq = new Map<string, number>();
  closed = false;
  private nextSeq = 1;
  private readonly pending = new Map<number, Pending>();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly write: (frame: Buffer) => void,
    private readonly shut: () => void,
  ) {
    super();
    // Unhandled 'error' events would throw; errors are also surfaced through promises.
    this.on('error', () => undefined);
  }

  static async tcp(address: string, options: ConnectOptions): Promise<DanmakuClient> {
    const [host, port] = splitHostPort(address);
    const socket: Socket = tcpConnect({ host, port, noDelay: true });
    const client = new DanmakuClient(
      (frame) => socket.write(frame),
      () => socket.destroy(),
    );
    const reader = new FrameReader(LIMITS);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) client.receive(frame);
    });
    socket.on('close', () => client.onClosed());
    socket.on('error', () => client.onClosed());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    await client.handshake(options);
    return client;
  }

  static async ws(url: string, options: ConnectOptions): Promise<DanmakuClient> {
    const ws = new WebSocket(url);
    const client = new DanmakuClient(
      (frame) => ws.send(frame),
      () => ws.terminate(),
    );
    ws.on('message', (data) => client.receive(decodeFrame(data as Buffer, LIMITS)));
    ws.on('close', () => client.onClosed());
    ws.on('error', () => client.onClosed());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused: HTTP ${res.statusCode}`)));
    });
    await client.handshake(options);
    return client;
  }

  join(room: string, lastSeq?: number): Promise<JoinReply> {
    return this.request(Op.Join, Op.JoinReply, { room, ...(lastSeq === undefined ? {} : { lastSeq }) }) as Promise<JoinReply>;
  }

  leave(room: string): Promise<{ room: string; left: boolean }> {
    return this.request(Op.Leave, Op.LeaveReply, { room }) as Promise<{ room: string; left: boolean }>;
  }

  /** Acknowledges unicast messages: the server removes them from the inbox. */
  ack(ids: number[]): Promise<AckReply> {
    return this.request(Op.Ack, Op.AckReply, { ids }) as Promise<AckReply>;
  }

  /** One heartbeat; the reply carries the online count of each joined room. */
  heartbeat(): Promise<{ online: Record<string, number> }> {
    return this.request(Op.Heartbeat, Op.HeartbeatReply, {}) as Promise<{ online: Record<string, number> }>;
  }

  close(): void {
    this.shut();
    this.onClosed();
  }

  private async handshake(options: ConnectOptions): Promise<void> {
    if (options.onMessage) this.on('message', options.onMessage);
    if (options.onUnicast) this.on('unicast', options.onUnicast);
    const seq = this.nextSeq++;
    const joined = this.expect(seq, Op.JoinReply);
    const authed = this.expect(seq, Op.AuthReply, true);
    joined.catch(() => undefined); // surfaced through `authed` or awaited below
    this.write(
      encodeJsonFrame(Op.Auth, seq, {
        ticket: options.ticket,
        ...(options.lastSeq === undefined ? {} : { lastSeq: options.lastSeq }),
        ...(options.network ? { network: options.network } : {}),
      }),
    );
    const timeoutMs = options.timeoutMs ?? 10_000;
    const timer = setTimeout(() => this.failAll(new Error(`no handshake reply within ${timeoutMs} ms`)), timeoutMs);
    try {
      this.auth = (await authed) as AuthReply;
      this.joined = (await joined) as JoinReply;
    } finally {
      clearTimeout(timer);
    }
    if (options.heartbeat !== false) {
      this.heartbeatTimer = setInterval(() => this.heartbeat().catch(() => undefined), this.auth.heartbeatMs);
      this.heartbeatTimer.unref();
    }
  }

  private request(op: number, replyOp: number, body: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const seq = this.nextSeq++;
    const reply = this.expect(seq, replyOp);
    this.write(encodeJsonFrame(op, seq, body));
    return reply;
  }

  /** Waits for `replyOp` with `seq`; `keyed` files it under -seq so two replies can share a seq. */
  private expect(seq: number, replyOp: number, keyed = false): Promise<unknown> {
    return new Promise((resolve, reject) => this.pending.set(keyed ? -seq : seq, { resolve, reject, replyOp }));
  }

  private receive(frame: Frame | FrameError): void {
    if (frame instanceof FrameError) {
      this.emit('error', { code: frame.code, message: frame.message, fatal: true } satisfies ServerError);
      return this.close();
    }
    const body = frame.op === Op.Batch ? undefined : parseJsonBody(frame.body);
    switch (frame.op) {
      case Op.Batch: {
        const inner = decodeBatch(frame.body, LIMITS);
        if (inner instanceof FrameError) return this.receive(inner);
        for (const f of inner) this.receive(f);
        return;
      }
      case Op.Message: {
        const message = body as RoomMessage;
        this.lastSeq.set(message.room, Math.max(this.lastSeq.get(message.room) ?? 0, message.seq));
        this.emit('message', message);
        return;
      }
      case Op.Unicast:
        this.emit('unicast', body as UnicastMessage);
        return;
      case Op.Notice:
        this.emit('notice', body);
        return;
      case Op.Error: {
        const error = body as ServerError;
        this.emit('error', error);
        if (frame.seq !== 0) {
          for (const key of [frame.seq, -frame.seq]) {
            this.pending.get(key)?.reject(new ServerErrorFrame(error));
            this.pending.delete(key);
          }
        }
        if (error.fatal) this.failAll(new ServerErrorFrame(error));
        return;
      }
      default: {
        for (const key of [-frame.seq, frame.seq]) {
          const pending = this.pending.get(key);
          if (pending?.replyOp === frame.op) {
            this.pending.delete(key);
            if (frame.op === Op.JoinReply) {
              const reply = body as JoinReply;
              // With nothing to replay the client is now level with the room.
              if (reply.resumed === 0) this.lastSeq.set(reply.room, Math.max(this.lastSeq.get(reply.room) ?? 0, reply.lastSeq));
            }
            pending.resolve(body);
            return;
          }
        }
      }
    }
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    this.failAll(new Error('connection closed'));
    this.emit('close');
  }
}

function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
