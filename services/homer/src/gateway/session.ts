// One client connection, whatever carries it (TCP or WebSocket): the
// handshake (auth first, within the auth timeout), heartbeats with a
// watchdog, joining and leaving rooms, the user's inbox on connect and acks,
// and flow control. Frames are handled one at a time in arrival order.
//
// Flow control: the connection's unsent bytes and frames are bounded. Past
// half the bound it is "behind" and low-priority messages are dropped; at
// the bound every frame is dropped (an empty buffer still takes any one
// frame, so a single large window never cuts off a client that keeps up);
// a connection still behind a grace period after it first had something
// dropped is closed with `slow_consumer`. So memory per connection stays bounded, and a
// client that recovers misses only what it can fetch again (resume).
import type { Logger } from '@bamboo/kit';
import { encodeBatch, encodeJsonFrame, FrameError, parseJsonBody, type Frame } from '../protocol/frame.js';
import { Op } from '../protocol/ops.js';
import { unicastFrame } from '../protocol/messages.js';
import type { Hub, Receiver } from '../fanout/hub.js';
import type { Outgoing } from '../fanout/outgoing.js';
import type { Inbox } from '../stores/inbox.js';
import type { Priority } from '../stores/room-bus.js';
import type { HomerStats } from '../stats.js';
import { verifyTicket, type Ticket } from '../logic/ticket.js';
import { ROOM_ID } from '../logic/send.js';
import type { RoomCatalog } from '../logic/rooms.js';
import { PLATFORM } from '../logic/presence.js';

export interface Transport {
  readonly kind: 'tcp' | 'ws';
  write(frame: Buffer): void;
  /** Bytes written but not yet sent to the peer. */
  bufferedBytes(): number;
  /** Frames written but not yet handed to the kernel. */
  pendingFrames(): number;
  /** Flushes what is written, then closes. */
  end(): void;
}

export interface SessionSettings {
  ticketSecret: Buffer;
  authTimeoutMs: number;
  heartbeatMs: (network: string | undefined) => number;
  sendBufferBytes: number;
  sendBufferFrames: number;
  slowConsumerGraceMs: number;
  maxRooms: number;
}

export interface SessionDeps {
  hub: Hub;
  rooms: RoomCatalog;
  inbox: Inbox;
  stats: HomerStats;
  settings: SessionSettings;
  logger: Logger;
  onClose: (session: Session) => void;
}

/** Error codes of the Op.Error frame (see PROTOCOL.md). */
export type ErrorCode =
  | FrameError['code']
  | 'text_frame'
  | 'auth_required'
  | 'auth_timeout'
  | 'invalid_ticket'
  | 'expired_ticket'
  | 'already_authenticated'
  | 'bad_body'
  | 'heartbeat_timeout'
  | 'slow_consumer'
  | 'room_not_found'
  | 'too_many_rooms'
  | 'kicked'
  | 'room_closed'
  | 'unavailable';

const SILENCE_FACTOR = 2.5;
/** Ids one ack may name. */
const MAX_ACK_IDS = 100;
/** Unacked pushes remembered per connection for the ack-latency metric. */
const MAX_TRACKED_PUSHES = 256;

interface HeldUnicast {
  frame: Buffer;
  id: number | undefined;
  priority: Priority;
  acceptedAt: number;
}

export class Session implements Receiver {
  private state: 'auth' | 'open' | 'closed' = 'auth';
  private ticket: Ticket | undefined;
  private heartbeatMs = 0;
  private clientPlatform: string | undefined;
  private readonly joined = new Set<string>();
  private watchdog: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  private graceTimer: NodeJS.Timeout | undefined;
  /** Live unicast pushes held back while the inbox is loaded on connect. */
  private inboxHeld: HeldUnicast[] | null = null;
  /** Pushed, not yet acked: id → acceptance time (for ack latency); made on the first push. */
  private pushed: Map<number, number> | undefined;
  /** Picks this connection's shard in every room (shardKey mod shards); spread, not secret. */
  readonly shardKey = Math.floor(Math.random() * 0x7fffffff);

  constructor(
    private readonly transport: Transport,
    private readonly deps: SessionDeps,
  ) {
    this.watchdog = setTimeout(() => this.fail('auth_timeout', 'no auth frame in time'), deps.settings.authTimeoutMs);
  }

  get rooms(): ReadonlySet<string> {
    return this.joined;
  }

  /** What the client said it runs on (ios, android, web, …), if it said. */
  get platform(): string | undefined {
    return this.clientPlatform;
  }

  /** A decoded frame or a decoding error from the transport. */
  receive(frame: Frame | FrameError): void {
    if (this.state === 'closed') return;
    if (frame instanceof FrameError) return this.fail(frame.code, frame.message);
    if (this.state === 'open') this.watchdog.refresh();
    this.queue = this.queue.then(() => this.handle(frame)).catch((error) => {
      this.deps.logger.error({ err: error }, 'frame handling failed');
      this.fail('unavailable', 'the server could not handle the frame');
    });
  }

  /** The ticket's user, once authenticated. */
  get uid(): string | undefined {
    return this.ticket?.uid;
  }

  get bufferedBytes(): number {
    return this.transport.bufferedBytes();
  }

  get transportKind(): 'tcp' | 'ws' {
    return this.transport.kind;
  }

  /** A window of room (or global) messages; low-priority ones are left out while behind. */
  deliver(out: Outgoing): void {
    if (this.state === 'closed') return;
    const { stats } = this.deps;
    const buffered = this.transport.bufferedBytes();
    if (this.behind(buffered)) {
      if (out.lowCount > 0) {
        stats.dropped.slow_consumer_low += out.lowCount;
        this.startGrace();
      }
      const lean = out.leanFrame();
      if (!lean) return;
      const count = out.count - out.lowCount;
      if (this.write(lean, buffered)) stats.delivered.room += count;
      else stats.dropped.buffer_full += count;
    } else if (this.write(out.frame(), buffered)) stats.delivered.room += out.count;
    else stats.dropped.buffer_full += out.count;
  }

  /** A unicast message for this connection's user (held while the inbox loads). */
  pushUnicast(frame: Buffer, id: number | undefined, priority: Priority, acceptedAt: number): void {
    if (this.state !== 'open') return;
    if (this.inboxHeld) this.inboxHeld.push({ frame, id, priority, acceptedAt });
    else this.writeUnicast(frame, id, priority, acceptedAt);
  }

  /** A control frame (replies, notices): subject to the buffer bound, never to priority. */
  send(frame: Buffer): void {
    if (this.state !== 'closed') this.write(frame);
  }

  /** Sends a notice that keeps the connection open. */
  notice(body: Record<string, unknown>): void {
    this.send(encodeJsonFrame(Op.Notice, 0, body));
  }

  /** Sends an error frame and closes. */
  fail(code: ErrorCode, message: string, seq = 0): void {
    if (this.state === 'closed') return;
    this.transport.write(encodeJsonFrame(Op.Error, seq, { code, message, fatal: true }));
    this.close();
  }

  /** The transport went away (or is being closed): forget the connection. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.watchdog);
    clearTimeout(this.graceTimer);
    this.deps.hub.removeReceiver(this);
    this.transport.end();
    this.deps.onClose(this);
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.state === 'closed') return;
    const body = parseJsonBody(frame.body);
    if (this.state === 'auth') {
      if (frame.op !== Op.Auth) return this.fail('auth_required', 'the first frame must be auth', frame.seq);
      return this.auth(frame.seq, body);
    }
    switch (frame.op) {
      case Op.Heartbeat:
        return this.reply(Op.HeartbeatReply, frame.seq, { online: this.online() });
      case Op.Join:
        return this.join(frame.seq, body);
      case Op.Leave:
        return this.leave(frame.seq, body);
      case Op.Ack:
        return this.ack(frame.seq, body);
      case Op.Auth:
        return this.fail('already_authenticated', 'auth may be sent once', frame.seq);
    }
  }

  private async auth(seq: number, body: unknown): Promise<void> {
    if (!isObject(body)) return this.fail('bad_body', 'auth body must be a JSON object', seq);
    const verdict = verifyTicket(this.deps.settings.ticketSecret, body.ticket);
    if (!verdict.ok) return this.fail(verdict.code, verdict.reason, seq);
    const afterSeq = optionalSeq(body.lastSeq);
    if (afterSeq === null) return this.fail('bad_body', 'lastSeq must be a non-negative integer', seq);
    this.ticket = verdict.ticket;
    this.state = 'open';
    // Pushes that arrive while the inbox loads wait, so the inbox comes out in order.
    const loadInbox = verdict.ticket.canSend;
    if (loadInbox) this.inboxHeld = [];
    if (typeof body.platform === 'string' && PLATFORM.test(body.platform)) this.clientPlatform = body.platform;
    this.heartbeatMs = this.deps.settings.heartbeatMs(typeof body.network === 'string' ? body.network : undefined);
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(
      () => this.fail('heartbeat_timeout', 'no frame for 2.5 heartbeat intervals'),
      this.heartbeatMs * SILENCE_FACTOR,
    );
    this.deps.hub.addReceiver(this);
    this.reply(Op.AuthReply, seq, {
      uid: verdict.ticket.uid,
      room: verdict.ticket.room,
      canSend: verdict.ticket.canSend,
      heartbeatMs: this.heartbeatMs,
    });
    await this.enter(seq, verdict.ticket.room, afterSeq);
    if (loadInbox) await this.loadInbox(verdict.ticket.uid);
  }

  /** The user's unacked messages in id order, then pushes that came meanwhile (none twice). */
  private async loadInbox(uid: string): Promise<void> {
    const { stats, inbox } = this.deps;
    let lastId = 0;
    try {
      const loaded = await inbox.load(uid);
      stats.dropped.expired += loaded.expired;
      stats.dropped.redelivery_cap += loaded.capped;
      stats.observeInboxSize(loaded.messages.length);
      if (this.state !== 'open') return;
      if (loaded.messages.length > 0) {
        const frames = loaded.messages.map((m) => unicastFrame(JSON.stringify(m), m.id));
        if (this.write(frames.length === 1 ? frames[0]! : encodeBatch(frames))) {
          stats.delivered.unicast += frames.length;
          for (const m of loaded.messages) this.track(m.id!, m.ts);
        }
        lastId = loaded.messages.at(-1)!.id!;
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, uid }, 'inbox not loaded');
      this.softError(0, 'unavailable', 'your inbox could not be loaded now; reconnect to get it');
    } finally {
      const held = this.inboxHeld ?? [];
      this.inboxHeld = null;
      if (this.state === 'open') {
        for (const h of held) if (h.id === undefined || h.id > lastId) this.writeUnicast(h.frame, h.id, h.priority, h.acceptedAt);
      }
    }
  }

  private writeUnicast(frame: Buffer, id: number | undefined, priority: Priority, acceptedAt: number): void {
    const { stats } = this.deps;
    if (priority === 'low' && this.behind()) {
      stats.dropped.slow_consumer_low++;
      this.startGrace();
    } else if (this.write(frame)) {
      stats.delivered.unicast++;
      if (id !== undefined) this.track(id, acceptedAt);
    } else {
      stats.dropped.buffer_full++;
    }
  }

  private track(id: number, acceptedAt: number): void {
    this.pushed ??= new Map();
    if (this.pushed.size >= MAX_TRACKED_PUSHES) this.pushed.delete(this.pushed.keys().next().value!);
    this.pushed.set(id, acceptedAt);
  }

  private async ack(seq: number, body: unknown): Promise<void> {
    const ids = isObject(body) ? (Array.isArray(body.ids) ? body.ids : body.id !== undefined ? [body.id] : undefined) : undefined;
    if (!ids || ids.length === 0 || ids.length > MAX_ACK_IDS || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
      return this.softError(seq, 'bad_body', `ack needs {"ids": [<message id>, …]} with 1 to ${MAX_ACK_IDS} ids`);
    }
    const uid = this.ticket!.uid;
    const { stats } = this.deps;
    let result = { removed: 0, unknown: ids.length };
    // Anonymous viewers have no inbox: every id is unknown.
    if (this.ticket!.canSend) {
      try {
        result = await this.deps.inbox.ack(uid, ids as number[]);
      } catch (error) {
        this.deps.logger.warn({ err: error, uid }, 'ack not stored');
        return this.softError(seq, 'unavailable', 'the ack could not be stored; send it again');
      }
    }
    stats.unknownAcks += result.unknown;
    const now = Date.now();
    for (const id of ids as number[]) {
      const at = this.pushed?.get(id);
      if (at === undefined) continue;
      this.pushed!.delete(id);
      stats.observeAckLatency((now - at) / 1000);
    }
    this.reply(Op.AckReply, seq, result);
  }

  /** Past half the bound (bytes or frames): low-priority messages are dropped. */
  private behind(buffered = this.transport.bufferedBytes()): boolean {
    const { sendBufferBytes, sendBufferFrames } = this.deps.settings;
    return buffered > sendBufferBytes / 2 || this.transport.pendingFrames() > sendBufferFrames / 2;
  }

  /** Writes unless the buffer is at its bound; then the frame is dropped and the grace period runs. */
  private write(frame: Buffer, buffered = this.transport.bufferedBytes()): boolean {
    const { sendBufferBytes, sendBufferFrames } = this.deps.settings;
    // An empty buffer always takes the frame, so one merged window larger than the bound
    // never cuts off a client that keeps up; a buffer already holding data must stay under it.
    if (buffered > 0 && (buffered + frame.length > sendBufferBytes || this.transport.pendingFrames() >= sendBufferFrames)) {
      this.startGrace();
      return false;
    }
    this.transport.write(frame);
    return true;
  }

  /** Something was dropped: unless the connection has caught up when the grace period ends, it is closed. */
  private startGrace(): void {
    this.graceTimer ??= setTimeout(() => {
      this.graceTimer = undefined;
      if (!this.behind()) return;
      this.deps.stats.slowConsumersClosed++;
      this.fail('slow_consumer', 'the connection does not read fast enough');
    }, this.deps.settings.slowConsumerGraceMs);
  }

  /** Closes the connection for an operator's reason (kick, room closed). */
  terminate(code: 'kicked' | 'room_closed', message: string): void {
    this.fail(code, message);
  }

  private async join(seq: number, body: unknown): Promise<void> {
    if (!isObject(body) || typeof body.room !== 'string' || !ROOM_ID.test(body.room)) {
      return this.softError(seq, 'bad_body', 'join needs {"room": "<room id>"}');
    }
    const afterSeq = optionalSeq(body.lastSeq);
    if (afterSeq === null) return this.softError(seq, 'bad_body', 'lastSeq must be a non-negative integer');
    if (this.joined.has(body.room)) return this.softError(seq, 'bad_body', `already in room ${body.room}`);
    if (this.joined.size >= this.deps.settings.maxRooms) {
      return this.softError(seq, 'too_many_rooms', `at most ${this.deps.settings.maxRooms} rooms per connection`);
    }
    try {
      await this.deps.rooms.assertRoom(body.room);
    } catch (error) {
      const notFound = error instanceof Error && 'status' in error && error.status === 404;
      return this.softError(seq, notFound ? 'room_not_found' : 'unavailable', notFound ? `room ${body.room} does not exist` : 'room directory unavailable');
    }
    await this.enter(seq, body.room, afterSeq);
  }

  private async enter(seq: number, room: string, afterSeq: number | undefined): Promise<void> {
    if (this.state !== 'open') return;
    this.joined.add(room);
    try {
      await this.deps.hub.join(this, room, afterSeq, (result) => this.reply(Op.JoinReply, seq, result));
    } catch (error) {
      this.joined.delete(room);
      this.deps.logger.warn({ err: error, room }, 'join failed');
      this.softError(seq, 'unavailable', 'could not join the room now; try again');
    }
  }

  private leave(seq: number, body: unknown): void {
    if (!isObject(body) || typeof body.room !== 'string') return this.softError(seq, 'bad_body', 'leave needs {"room": "<room id>"}');
    const left = this.joined.delete(body.room);
    this.deps.hub.leave(this, body.room);
    this.reply(Op.LeaveReply, seq, { room: body.room, left });
  }

  private online(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const room of this.joined) out[room] = this.deps.hub.online(room);
    return out;
  }

  private reply(op: number, seq: number, body: unknown): void {
    this.send(encodeJsonFrame(op, seq, body));
  }

  /** An error answer that leaves the connection open. */
  private softError(seq: number, code: ErrorCode, message: string): void {
    this.send(encodeJsonFrame(Op.Error, seq, { code, message, fatal: false }));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** undefined when absent, null when present but not a sequence number. */
function optionalSeq(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : null;
}
