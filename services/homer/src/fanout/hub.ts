// This gateway's rooms: who is in each, the bus subscription per room (only
// for rooms with members here), the merging window, and the write of one
// buffer to every member. Global messages go to every authenticated receiver.
import type { Logger } from '@bamboo/kit';
import { messagesFrame } from '../protocol/messages.js';
import { GLOBAL_ROOM, type RoomBus, type RoomMessage } from '../stores/room-bus.js';
import { sumCounts, type GatewayRegistry } from '../stores/gateway-registry.js';
import { RoomBatcher } from './batcher.js';

export interface Receiver {
  /** Writes one frame; the receiver enforces its own buffer limit. */
  send(frame: Buffer): void;
}

interface Member {
  /** While a resume is being served: live messages held back until history is out. */
  held: RoomMessage[] | null;
  /** Messages up to this sequence already went out with the resume. */
  sentThrough: number;
}

interface Room {
  members: Map<Receiver, Member>;
  batcher: RoomBatcher;
  subscribed: Promise<() => Promise<void>>;
  /** Connections to this room on other gateways, as of the last registry read. */
  elsewhere: number;
}

export interface JoinResult {
  room: string;
  /** The room's latest sequence number when joined. */
  lastSeq: number;
  online: number;
  /** Messages replayed for the resume. */
  resumed: number;
  /** Some messages after the client's sequence number are no longer kept. */
  gap: boolean;
}

export class Hub {
  private readonly rooms = new Map<string, Room>();
  private readonly everyone = new Set<Receiver>();
  private globalBatcher: RoomBatcher;
  private globalSubscription: Promise<() => Promise<void>> | undefined;

  constructor(
    private readonly bus: RoomBus,
    private readonly options: { batchWindowMs: number },
    private readonly logger: Logger,
  ) {
    this.globalBatcher = new RoomBatcher(options.batchWindowMs, (messages) => {
      const frame = messagesFrame(messages);
      for (const receiver of this.everyone) receiver.send(frame);
    });
  }

  /**
   * Subscribes to the global stream. Called at start and on every registry
   * beat; a failed attempt (store down) is retried on the next call.
   */
  async ensureGlobal(): Promise<void> {
    if (!this.globalSubscription) {
      const attempt = this.bus.subscribe(GLOBAL_ROOM, (m) => this.globalBatcher.add(m));
      this.globalSubscription = attempt;
      attempt.catch(() => {
        if (this.globalSubscription === attempt) this.globalSubscription = undefined;
      });
    }
    await this.globalSubscription;
  }

  addReceiver(receiver: Receiver): void {
    this.everyone.add(receiver);
  }

  removeReceiver(receiver: Receiver): void {
    this.everyone.delete(receiver);
    for (const room of this.rooms.values()) room.members.delete(receiver);
  }

  /**
   * Adds `receiver` to `roomId`. With `afterSeq`, first replays what it missed
   * from history, then live messages, with none twice and none skipped.
   * `reply` is sent before the replay.
   */
  async join(receiver: Receiver, roomId: string, afterSeq: number | undefined, reply: (r: JoinResult) => void): Promise<JoinResult> {
    const room = this.room(roomId);
    const member: Member = { held: [], sentThrough: 0 };
    room.members.set(receiver, member);
    try {
      await room.subscribed;
      const since = await this.bus.since(roomId, afterSeq ?? Number.MAX_SAFE_INTEGER);
      const replay = afterSeq === undefined ? [] : since.messages;
      const result: JoinResult = {
        room: roomId,
        lastSeq: since.lastSeq,
        online: this.online(roomId),
        resumed: replay.length,
        gap: afterSeq !== undefined && since.gap,
      };
      if (room.members.get(receiver) !== member) return result; // left meanwhile
      reply(result);
      const sentThrough = Math.max(since.lastSeq, replay.at(-1)?.seq ?? 0);
      const held = (member.held ?? []).filter((m) => m.seq > sentThrough);
      const out = [...replay, ...held];
      if (out.length > 0) receiver.send(messagesFrame(out));
      member.sentThrough = Math.max(sentThrough, held.at(-1)?.seq ?? 0);
      member.held = null;
      return result;
    } catch (error) {
      if (room.members.get(receiver) === member) room.members.delete(receiver);
      throw error;
    }
  }

  leave(receiver: Receiver, roomId: string): boolean {
    return this.rooms.get(roomId)?.members.delete(receiver) ?? false;
  }

  /** Connections in the room on every gateway (others as of the last refresh). */
  online(roomId: string): number {
    const room = this.rooms.get(roomId);
    return room ? room.elsewhere + room.members.size : 0;
  }

  /** This gateway's connections per room, for the registry. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, room] of this.rooms) if (room.members.size > 0) out[id] = room.members.size;
    return out;
  }

  connections(): number {
    return this.everyone.size;
  }

  /** Re-reads other gateways' counts for the rooms held here. */
  async refreshOnline(registry: GatewayRegistry, selfId: string): Promise<void> {
    await Promise.all(
      [...this.rooms].map(async ([id, room]) => {
        room.elsewhere = sumCounts(await registry.countsByGateway(id), selfId);
      }),
    );
  }

  /** Drops subscriptions of rooms nobody here is in any more. */
  async sweep(): Promise<void> {
    const idle = [...this.rooms].filter(([, room]) => room.members.size === 0);
    await Promise.all(
      idle.map(async ([id, room]) => {
        this.rooms.delete(id);
        room.batcher.flush();
        try {
          await (await room.subscribed)();
        } catch (error) {
          this.logger.warn({ err: error, room: id }, 'unsubscribe failed');
        }
      }),
    );
  }

  async close(): Promise<void> {
    for (const room of this.rooms.values()) room.members.clear();
    await this.sweep();
    const unsubscribe = await this.globalSubscription?.catch(() => undefined);
    await unsubscribe?.().catch(() => undefined);
  }

  private room(roomId: string): Room {
    let room = this.rooms.get(roomId);
    if (room) return room;
    const created: Room = {
      members: new Map(),
      batcher: new RoomBatcher(this.options.batchWindowMs, (messages) => this.deliver(created, messages)),
      subscribed: this.bus.subscribe(roomId, (m) => created.batcher.add(m)),
      elsewhere: 0,
    };
    // A failed subscription is dropped so the next join tries again.
    created.subscribed.catch(() => {
      if (this.rooms.get(roomId) === created) this.rooms.delete(roomId);
    });
    this.rooms.set(roomId, created);
    return created;
  }

  private deliver(room: Room, messages: RoomMessage[]): void {
    let frame: Buffer | undefined;
    const last = messages.at(-1)!.seq;
    for (const [receiver, member] of room.members) {
      if (member.held) {
        member.held.push(...messages);
      } else if (member.sentThrough < messages[0]!.seq) {
        receiver.send((frame ??= messagesFrame(messages)));
      } else if (member.sentThrough < last) {
        // Straddles the resume: this member alone gets the newer part.
        receiver.send(messagesFrame(messages.filter((m) => m.seq > member.sentThrough)));
      }
    }
  }
}
