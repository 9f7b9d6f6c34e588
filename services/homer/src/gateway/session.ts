// One client connection, whatever carries it (TCP or WebSocket): the
// handshake (auth first, within the auth timeout), heartbeats with a
// watchdog, joining and leaving rooms, and the send-buffer limit. Frames are
// handled one at a time in arrival order.
import type { Logger } from '@bamboo/kit';
import { encodeJsonFrame, FrameError, parseJsonBody, type Frame } from '../protocol/frame.js';
import { Op } from '../protocol/ops.js';
import type { Hub, Receiver } from '../fanout/hub.js';
import { verifyTicket, type Ticket } from '../logic/ticket.js';
import { ROOM_ID } from '../logic/send.js';
import type { RoomCatalog } from '../logic/rooms.js';
import { PLATFORM } from '../logic/presence.js';

export interface Transport {
  readonly kind: 'tcp' | 'ws';
  write(frame: Buffer): void;
  /** Bytes written but not yet sent to the peer. */
  bufferedBytes(): number;
  /** Flushes what is written, then closes. */
  end(): void;
}

export interface SessionSettings {
  ticketSecret: Buffer;
  authTimeoutMs: number;
  heartbeatMs: (network: string | undefined) => number;
  sendBufferBytes: number;
  maxRooms: number;
}

export interface SessionDeps {
  hub: Hub;
  rooms: RoomCatalog;
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
  | 'unavailable';

const SILENCE_FACTOR = 2.5;

export class Session implements Receiver {
  private state: 'auth' | 'open' | 'closed' = 'auth';
  private ticket: Ticket | undefined;
  private heartbeatMs = 0;
  private clientPlatform: string | undefined;
  private readonly joined = new Set<string>();
  private watchdog: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly transport: Transport,
    private readonly deps: SessionDeps,
  ) {
    this.watchdog = setTimeout(() => this.fail('auth_timeout', 'no auth frame in time'), deps.settings.authTimeoutMs);
  }

  get user(): string | undefined {
    return this.ticket?.uid;
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

  send(frame: Buffer): void {
    if (this.state === 'closed') return;
    // An empty buffer always takes the frame, so one merged window larger than the bound
    // never cuts off a client that keeps up; a buffer already holding data must stay under it.
    const buffered = this.transport.bufferedBytes();
    if (buffered > 0 && buffered + frame.length > this.deps.settings.sendBufferBytes) {
      return this.fail('slow_consumer', 'send buffer full: the connection does not read fast enough');
    }
    this.transport.write(frame);
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
        return; // reserved for unicast delivery; nothing to acknowledge in rooms
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
