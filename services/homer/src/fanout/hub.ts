// This gateway's rooms: each room's fan-out (members by shard, rounds of
// writes, budget: room-fanout.ts) and its bus subscription (only for rooms
// with members here). Global messages go to every authenticated
// receiver; unicast pushes, kicks and room closes go to the receivers of a
// user or room here.
import type { Logger } from '@bamboo/kit';
import { GLOBAL_ROOM, type Priority, type RoomBus } from '../stores/room-bus.js';
import { sumCounts, type GatewayRegistry } from '../stores/gateway-registry.js';
import type { HomerStats } from '../stats.js';
import { RoomBatcher } from './batcher.js';
import { Outgoing } from './outgoing.js';
import { visibleTo } from './budget.js';
import { RoomFanout } from './room-fanout.js';

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

interface Room {
  fanout: RoomFanout<Receiver>;
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

/** Writes between yields to the event loop while a round goes over a big room, so sends and acks are not held up by it. */
const WRITES_PER_TURN = 1_000;

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
    for (const room of this.rooms.values()) room.fanout.leave(receiver, this.shardOf(receiver));
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
    return this.rooms.get(roomId)?.fanout.members() ?? [];
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
    room.fanout.join(receiver, shard);
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
      if (!room.fanout.has(receiver, shard)) return result; // left meanwhile
      reply(result);
      room.fanout.resumed(receiver, shard, replay, since.lastSeq, (m) => visibleTo(m, shard, receiver.uid));
      return result;
    } catch (error) {
      room.fanout.leave(receiver, shard);
      throw error;
    }
  }

  leave(receiver: Receiver, roomId: string): boolean {
    return this.rooms.get(roomId)?.fanout.leave(receiver, this.shardOf(receiver)) ?? false;
  }

  /** Connections in the room on every gateway (others as of the last refresh). */
  online(roomId: string): number {
    const room = this.rooms.get(roomId);
    return room ? room.elsewhere + room.fanout.size() : 0;
  }

  /** This gateway's connections per room, for the registry. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, room] of this.rooms) {
      const n = room.fanout.size();
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
    const idle = [...this.rooms].filter(([, room]) => room.fanout.size() === 0);
    await Promise.all(
      idle.map(async ([id, room]) => {
        this.rooms.delete(id);
        room.fanout.close();
        try {
          await (await room.subscribed)();
        } catch (error) {
          this.logger.warn({ err: error, room: id }, 'unsubscribe failed');
        }
      }),
    );
  }

  async close(): Promise<void> {
    for (const room of this.rooms.values()) room.fanout.close();
    await this.sweep();
    const unsubscribe = await this.globalSubscription?.catch(() => undefined);
    await unsubscribe?.().catch(() => undefined);
  }

  private room(roomId: string): Room {
    let room = this.rooms.get(roomId);
    if (room) return room;
    const fanout = new RoomFanout<Receiver>({
      windowMs: this.options.batchWindowMs,
      shards: this.options.shards,
      windowBudget: this.options.windowBudget,
      writesPerTurn: WRITES_PER_TURN,
      onSampled: (count) => (this.stats.sampled += count),
      onError: (error) => this.logger.error({ err: error, room: roomId }, 'room delivery failed'),
    });
    const created: Room = { fanout, subscribed: this.bus.subscribe(roomId, (m) => fanout.add(m)), elsewhere: 0 };
    // A failed subscription is dropped so the next join tries again.
    created.subscribed.catch(() => {
      if (this.rooms.get(roomId) === created) this.rooms.delete(roomId);
    });
    this.rooms.set(roomId, created);
    return created;
  }
}
