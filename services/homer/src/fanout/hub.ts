// This gateway's rooms: who is in each (split into shards by connection
// hash), the bus subscription per room (only for rooms with members here),
// the merging window, the per-shard budget, and the write of one buffer to
// every member of a shard. Global messages go to every authenticated
// receiver; unicast pushes, kicks and room closes go to the receivers of a
// user or room here.
import type { Logger } from '@bamboo/kit';
import { GLOBAL_ROOM, type Priority, type RoomBus, type RoomMessage } from '../stores/room-bus.js';
import { sumCounts, type GatewayRegistry } from '../stores/gateway-registry.js';
import type { HomerStats } from '../stats.js';
import { RoomBatcher } from './batcher.js';
import { Outgoing } from './outgoing.js';
import { applyBudget, mergeBySeq, visibleTo } from './budget.js';

export interface Receiver {
  /** The connection's user, once authenticated. */
  readonly uid: string | undefined;
  /** The connection's shard in any room is shardKey mod the shard count. */
  readonly shardKey: number;
  /** Writes a window's messages; the receiver applies its own buffer limits. */
  deliver(out: Outgoing): void;
  pushUnicast(frame: Buffer, id: number | undefined, priority: Priority, acceptedAt: number): void;
  terminate(code: 'kicked' | 'room_closed', message: string): void;
}

interface Member {
  /** While a resume is being served: live messages held back until history is out. */
  held: RoomMessage[] | null;
  /** Messages up to this sequence already went out with the resume. */
  sentThrough: number;
}

interface Room {
  /** Members by shard. */
  shards: Array<Map<Receiver, Member>>;
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
  /** The connection's shard in the room. */
  shard: number;
}

export interface HubOptions {
  batchWindowMs: number;
  /** Shards per room. */
  shards: number;
  /** Messages a shard gets per window before chat and low are sampled. */
  windowBudget: number;
}

/** Writes between yields to the event loop while a window goes to a big room, so sends and acks are not held up by it. */
const WRITES_PER_TURN = 1_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const size = (room: Room): number => room.shards.reduce((n, members) => n + members.size, 0);

export class Hub {
  private readonly rooms = new Map<string, Room>();
  private readonly everyone = new Set<Receiver>();
  private readonly byUser = new Map<string, Set<Receiver>>();
  private globalBatcher: RoomBatcher;
  private globalSubscription: Promise<() => Promise<void>> | undefined;

  constructor(
    private readonly bus: RoomBus,
    private readonly options: HubOptions,
    private readonly stats: HomerStats,
    private readonly logger: Logger,
  ) {
    this.globalBatcher = new RoomBatcher(options.batchWindowMs, (messages) => {
      const out = new Outgoing(messages);
      for (const receiver of this.everyone) receiver.deliver(out);
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
    if (receiver.uid === undefined) return;
    let mine = this.byUser.get(receiver.uid);
    if (!mine) this.byUser.set(receiver.uid, (mine = new Set()));
    mine.add(receiver);
  }

  removeReceiver(receiver: Receiver): void {
    this.everyone.delete(receiver);
    for (const room of this.rooms.values()) room.shards[this.shardOf(receiver)]!.delete(receiver);
    if (receiver.uid === undefined) return;
    const mine = this.byUser.get(receiver.uid);
    mine?.delete(receiver);
    if (mine?.size === 0) this.byUser.delete(receiver.uid);
  }

  /** This gateway's connections of a user. */
  receiversOf(uid: string): ReadonlySet<Receiver> {
    return this.byUser.get(uid) ?? new Set();
  }

  /** This gateway's connections in a room. */
  membersOf(roomId: string): Receiver[] {
    return (this.rooms.get(roomId)?.shards ?? []).flatMap((members) => [...members.keys()]);
  }

  shardOf(receiver: Receiver): number {
    return receiver.shardKey % this.options.shards;
  }

  /**
   * Adds `receiver` to `roomId`. With `afterSeq`, first replays what it missed
   * from history, then live messages, with none twice and none skipped.
   * `reply` is sent before the replay.
   */
  async join(receiver: Receiver, roomId: string, afterSeq: number | undefined, reply: (r: JoinResult) => void): Promise<JoinResult> {
    const room = this.room(roomId);
    const shard = this.shardOf(receiver);
    const members = room.shards[shard]!;
    const member: Member = { held: [], sentThrough: 0 };
    members.set(receiver, member);
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
        shard,
      };
      if (members.get(receiver) !== member) return result; // left meanwhile
      reply(result);
      const sentThrough = Math.max(since.lastSeq, replay.at(-1)?.seq ?? 0);
      const held = (member.held ?? []).filter((m) => m.seq > sentThrough);
      const out = [...replay, ...held].filter((m) => visibleTo(m, shard, receiver.uid));
      if (out.length > 0) receiver.deliver(new Outgoing(out));
      member.sentThrough = Math.max(sentThrough, held.at(-1)?.seq ?? 0);
      member.held = null;
      return result;
    } catch (error) {
      if (members.get(receiver) === member) members.delete(receiver);
      throw error;
    }
  }

  leave(receiver: Receiver, roomId: string): boolean {
    return this.rooms.get(roomId)?.shards[this.shardOf(receiver)]!.delete(receiver) ?? false;
  }

  /** Connections in the room on every gateway (others as of the last refresh). */
  online(roomId: string): number {
    const room = this.rooms.get(roomId);
    return room ? room.elsewhere + size(room) : 0;
  }

  /** This gateway's connections per room, for the registry. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, room] of this.rooms) {
      const n = size(room);
      if (n > 0) out[id] = n;
    }
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
    const idle = [...this.rooms].filter(([, room]) => size(room) === 0);
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
    for (const room of this.rooms.values()) for (const members of room.shards) members.clear();
    await this.sweep();
    const unsubscribe = await this.globalSubscription?.catch(() => undefined);
    await unsubscribe?.().catch(() => undefined);
  }

  private room(roomId: string): Room {
    let room = this.rooms.get(roomId);
    if (room) return room;
    const created: Room = {
      shards: Array.from({ length: this.options.shards }, () => new Map()),
      batcher: new RoomBatcher(this.options.batchWindowMs, (messages) =>
        this.deliver(created, messages).catch((error: unknown) => this.logger.error({ err: error, room: roomId }, 'room delivery failed')),
      ),
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

  /**
   * One window of a room. Messages for the whole room are budgeted once and
   * serialised once for every shard that has nothing of its own; a shard
   * with shard-targeted messages gets its own budgeted list. Messages for
   * one user (range user/anchor) go only to that user's connections. A big
   * room yields every WRITES_PER_TURN members; the batcher holds the room's
   * next window until this one is written.
   */
  private async deliver(room: Room, messages: RoomMessage[]): Promise<void> {
    let roomWide: RoomMessage[] = messages;
    let byShard: Map<number, RoomMessage[]> | undefined;
    let personal: RoomMessage[] | undefined;
    if (messages.some((m) => m.range !== undefined)) {
      roomWide = [];
      for (const m of messages) {
        if (m.range === undefined) roomWide.push(m);
        else if (m.range === 'shard') {
          byShard ??= new Map();
          const list = byShard.get(m.shard!) ?? [];
          list.push(m);
          byShard.set(m.shard!, list);
        } else (personal ??= []).push(m);
      }
    }
    const first = messages[0]!.seq;
    const last = messages.at(-1)!.seq;
    let common: Outgoing | undefined;
    let written = 0;
    for (let shard = 0; shard < room.shards.length; shard++) {
      const members = room.shards[shard]!;
      if (members.size === 0) continue;
      const own = byShard?.get(shard);
      let out: Outgoing;
      if (own) out = this.budgeted(mergeBySeq(roomWide, own));
      else out = common ??= this.budgeted(roomWide);
      for (const [receiver, member] of members) {
        if (++written % WRITES_PER_TURN === 0) await nextTurn();
        if (member.held) {
          member.held.push(...messages);
        } else if (personal && receiver.uid !== undefined && personal.some((m) => m.to === receiver.uid)) {
          const mine = mergeBySeq(out.messages, personal.filter((m) => m.to === receiver.uid));
          const fresh = mine.filter((m) => m.seq > member.sentThrough);
          if (fresh.length > 0) receiver.deliver(new Outgoing(fresh));
        } else if (member.sentThrough < first) {
          if (out.count > 0) receiver.deliver(out);
        } else if (member.sentThrough < last) {
          // Straddles the resume: this member alone gets the newer part.
          const fresh = out.messages.filter((m) => m.seq > member.sentThrough);
          if (fresh.length > 0) receiver.deliver(new Outgoing(fresh));
        }
      }
    }
  }

  private budgeted(messages: RoomMessage[]): Outgoing {
    const { kept, sampled } = applyBudget(messages, this.options.windowBudget);
    this.stats.sampled += sampled;
    return new Outgoing(kept);
  }
}
