// One room on this gateway: its members (split into shards by connection
// hash), the messages not yet written to all of them, and the writer that
// goes round the members. Each member remembers the sequence number it has
// been written up to; a visit writes everything after that in one frame,
// serialised once per starting point (and shard, when shard-targeted
// messages are among them) and shared by every member with the same.
//
// A round over a big room yields to the event loop every `writesPerTurn`
// writes and then takes in what came meanwhile, so members still ahead in
// the round get a new message in this round: a message waits about one
// round at most, not the rest of the current window's pass plus a whole
// next one. Rounds start at least a window apart, so a busy room still costs
// one frame per member per window, and the first message after a quiet
// window goes out at once.
import type { RoomMessage } from '../stores/room-bus.js';
import { applyBudget, mergeBySeq } from './budget.js';
import { Outgoing } from './outgoing.js';

/** What the room needs of a connection. */
export interface RoomReceiver {
  readonly uid: string | undefined;
  deliver(out: Outgoing): void;
}

interface Member {
  /** History is being read for a resume; rounds leave the member alone until it is out. */
  resuming: boolean;
  /** Every message up to this sequence number has been written to the member (or came before it joined). */
  sentThrough: number;
}

/** The messages of one span (after a member's sequence number, up to the round's), for one shard or any. */
interface Frame {
  out: Outgoing;
  /** Messages in the span for one user (range user/anchor), merged per connection of that user. */
  personal: RoomMessage[];
}

export interface RoomFanoutOptions {
  windowMs: number;
  shards: number;
  /** Messages a member gets per visit before chat and low are sampled. */
  windowBudget: number;
  writesPerTurn: number;
  onSampled: (count: number) => void;
  onError: (error: unknown) => void;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RoomFanout<R extends RoomReceiver> {
  /** Members by shard. */
  readonly shards: Array<Map<R, Member>>;
  /** Messages some member has not had yet, in sequence order. */
  private log: RoomMessage[] = [];
  private head = 0;
  private lastRoundAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private writing = false;

  constructor(private readonly options: RoomFanoutOptions) {
    this.shards = Array.from({ length: options.shards }, () => new Map());
  }

  size(): number {
    return this.shards.reduce((n, members) => n + members.size, 0);
  }

  add(message: RoomMessage): void {
    if (message.seq <= this.head) this.restartSequence(message.seq);
    this.log.push(message);
    this.head = message.seq;
    this.schedule();
  }

  /** A new member; it takes no part in rounds until `resumed`. */
  join(receiver: R, shard: number): void {
    // Pins the log from here, so what comes while history is read stays for `resumed`.
    this.shards[shard]!.set(receiver, { resuming: true, sentThrough: this.head });
  }

  has(receiver: R, shard: number): boolean {
    return this.shards[shard]!.has(receiver);
  }

  /**
   * Ends a join: writes `replay` (history the member missed) and whatever
   * came after `sentThrough` since, visible to it, then lets rounds take it.
   */
  resumed(receiver: R, shard: number, replay: readonly RoomMessage[], sentThrough: number, visible: (m: RoomMessage) => boolean): void {
    const member = this.shards[shard]!.get(receiver);
    if (!member) return;
    const since = Math.max(sentThrough, replay.at(-1)?.seq ?? 0);
    const out = [...replay, ...this.log.slice(this.indexAfter(since))].filter(visible);
    if (out.length > 0) receiver.deliver(new Outgoing(out));
    member.sentThrough = Math.max(since, this.head);
    member.resuming = false;
  }

  leave(receiver: R, shard: number): boolean {
    return this.shards[shard]!.delete(receiver);
  }

  members(): R[] {
    return this.shards.flatMap((members) => [...members.keys()]);
  }

  /** Stops the pending round (the room is dropped). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const members of this.shards) members.clear();
    this.log = [];
  }

  // The bus delivers each message once, in sequence order, so a number not
  // above the last means the room's sequence started over (a Redis that
  // kept nothing restarted): members are moved back so they get the new
  // numbers; what the old sequence still had for them is dropped.
  private restartSequence(seq: number): void {
    this.head = seq - 1;
    this.log = [];
    for (const members of this.shards) for (const member of members.values()) member.sentThrough = Math.min(member.sentThrough, this.head);
  }

  // A round under way takes new messages in as it goes and schedules the next when it ends.
  private schedule(): void {
    if (this.writing || this.timer) return;
    const wait = this.lastRoundAt + this.options.windowMs - Date.now();
    if (wait <= 0) this.startRound();
    else
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startRound();
      }, wait);
  }

  private startRound(): void {
    this.round().catch(this.options.onError);
  }

  // Synchronous up to the first turn's end: a room smaller than a turn is written at once.
  private async round(): Promise<void> {
    this.writing = true;
    this.lastRoundAt = Date.now();
    try {
      let upTo = this.head;
      let frames = new FrameCache(this.options.shards);
      let written = 0;
      for (let shard = 0; shard < this.shards.length; shard++) {
        const members = this.shards[shard]!;
        for (const [receiver, member] of members) {
          if (member.resuming || member.sentThrough >= upTo) continue;
          if (written === this.options.writesPerTurn) {
            written = 0;
            await nextTurn();
            if (members.get(receiver) !== member) continue; // left meanwhile
            if (this.head !== upTo) {
              upTo = this.head;
              frames = new FrameCache(this.options.shards);
            }
          }
          this.write(receiver, member, shard, upTo, frames);
          written++;
        }
      }
    } finally {
      this.writing = false;
    }
    if (this.trim()) this.schedule();
  }

  private write(receiver: R, member: Member, shard: number, upTo: number, frames: FrameCache): void {
    const from = member.sentThrough;
    const frame = frames.get(from, shard) ?? frames.set(from, shard, this.frame(from, upTo, shard));
    let out = frame.out;
    if (frame.personal.length > 0 && receiver.uid !== undefined) {
      const mine = frame.personal.filter((m) => m.to === receiver.uid);
      if (mine.length > 0) out = new Outgoing(mergeBySeq(out.messages, mine));
    }
    if (out.count > 0) receiver.deliver(out);
    member.sentThrough = upTo;
  }

  /** The span (from, upTo] for members of `shard`, budgeted; `shardTargeted` says whether it differs by shard. */
  private frame(from: number, upTo: number, shard: number): Frame & { shardTargeted: boolean } {
    const common: RoomMessage[] = [];
    const personal: RoomMessage[] = [];
    let shardTargeted = false;
    for (let i = this.indexAfter(from); i < this.log.length; i++) {
      const m = this.log[i]!;
      if (m.seq > upTo) break;
      if (m.range === undefined) common.push(m);
      else if (m.range === 'shard') {
        shardTargeted = true;
        if (m.shard === shard) common.push(m);
      } else personal.push(m);
    }
    const { kept, sampled } = applyBudget(common, this.options.windowBudget);
    if (sampled > 0) this.options.onSampled(sampled);
    return { out: new Outgoing(kept), personal, shardTargeted };
  }

  /** Index of the first logged message after `seq`. */
  private indexAfter(seq: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops what every member has; true when a member still lacks something. */
  private trim(): boolean {
    let low = this.head;
    let behind = false;
    for (const members of this.shards)
      for (const member of members.values()) {
        if (member.sentThrough < low) low = member.sentThrough;
        if (!member.resuming && member.sentThrough < this.head) behind = true;
      }
    this.log = this.log.slice(this.indexAfter(low));
    return behind;
  }
}

/** One round's frames: by starting point, shared by all shards unless the span holds shard-targeted messages. */
class FrameCache {
  private readonly any = new Map<number, Frame>();
  private readonly byShard: Array<Map<number, Frame> | undefined>;

  constructor(shards: number) {
    this.byShard = new Array(shards);
  }

  get(from: number, shard: number): Frame | undefined {
    return this.any.get(from) ?? this.byShard[shard]?.get(from);
  }

  set(from: number, shard: number, frame: Frame & { shardTargeted: boolean }): Frame {
    if (frame.shardTargeted) (this.byShard[shard] ??= new Map()).set(from, frame);
    else this.any.set(from, frame);
    return frame;
  }
}
