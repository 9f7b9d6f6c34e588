// Rooms of record, in the document store (embedded or MongoDB; queries
// written once in MongoDB's language). Guarantees:
// - one room per anchor, one room per short number, one room per stream key:
//   each mapping is a unique index, so two processes racing cannot break it
//   (a second room for an anchor is a ConflictError);
// - a live-status event is applied by one conditional single-document update,
//   so a stale event (older session, or an older `at` for the same session)
//   never overwrites a newer state, whatever order concurrent calls land in;
// - stream keys are stored only as SHA-256 hashes: a leaked database does not
//   leak publish keys, and a rotation replaces the hash in one write, so the
//   old key stops verifying at once.
import { ConflictError, NotFoundError } from '@bamboo/kit';
import { DuplicateKeyError, type Collection, type DocumentStore, type Filter } from '@bamboo/engines';

/** Hot fields as last flushed from the hot store (src/stores/hot-rooms.ts is the live copy). */
export interface FlushedHot {
  viewers: number;
  likes: number;
  popularity: number;
  flushedAt: number;
}

export interface Room {
  _id: string;
  anchorId: string;
  categoryId: string;
  shortId: number;
  title: string;
  tags: string[];
  notice: string;
  coverImageId: string | null;
  thumbnailImageId: string | null;
  streamKeyHash: string;
  admins: string[];
  closed: boolean;
  live: boolean;
  /** The latest live session seen (live or ended); orders live-status events. */
  sessionId: string | null;
  startedAt: number | null;
  /** `at` of the last applied live-status event of `sessionId`. */
  liveAt: number | null;
  hot: FlushedHot;
  /** Counts writes that change what lists show; the hot index keeps the newest it was given. */
  rev: number;
  createdAt: number;
  updatedAt: number;
}

export type RoomEdit = Partial<Pick<Room, 'title' | 'categoryId' | 'tags' | 'notice' | 'coverImageId'>>;

export interface LiveEvent {
  sessionId: string;
  live: boolean;
  at: number;
}

interface Counter {
  _id: string;
  value: number;
}

export class RoomStore {
  private readonly rooms: Collection<Room>;
  private readonly counters: Collection<Counter>;

  constructor(docs: DocumentStore) {
    this.rooms = docs.collection<Room>('rooms');
    this.counters = docs.collection<Counter>('counters');
  }

  async init(): Promise<void> {
    await this.rooms.createIndex({ anchorId: 1 }, { unique: true });
    await this.rooms.createIndex({ shortId: 1 }, { unique: true });
    await this.rooms.createIndex({ streamKeyHash: 1 }, { unique: true });
    await this.rooms.createIndex({ admins: 1 });
    await this.rooms.createIndex({ live: 1 });
  }

  /** The next short room number, counting up from `first`; never handed out twice. */
  async nextShortId(first: number): Promise<number> {
    const counter = await this.counters.findOneAndUpdate({ _id: 'shortId' }, { $inc: { value: 1 } }, { upsert: true });
    return first + counter!.value - 1;
  }

  async insert(room: Room): Promise<void> {
    try {
      await this.rooms.insertOne(room);
    } catch (err) {
      if (err instanceof DuplicateKeyError && (await this.rooms.findOne({ anchorId: room.anchorId }))) {
        throw new ConflictError(`user ${room.anchorId} already has a room`, 'anchor_has_room');
      }
      throw err;
    }
  }

  async find(roomId: string): Promise<Room | null> {
    return this.rooms.findOne({ _id: roomId });
  }

  async get(roomId: string): Promise<Room> {
    const room = await this.find(roomId);
    if (!room) throw notFound(roomId);
    return room;
  }

  async many(roomIds: string[]): Promise<Room[]> {
    if (roomIds.length === 0) return [];
    return this.rooms.find({ _id: { $in: roomIds } });
  }

  async byAnchor(anchorId: string): Promise<Room | null> {
    return this.rooms.findOne({ anchorId });
  }

  async byShortId(shortId: number): Promise<Room | null> {
    return this.rooms.findOne({ shortId });
  }

  async byStreamKeyHash(hash: string): Promise<Room | null> {
    return this.rooms.findOne({ streamKeyHash: hash });
  }

  /** Rooms where `uid` is the anchor or an admin, newest first. */
  async managedBy(uid: string): Promise<Room[]> {
    return this.rooms.find({ $or: [{ anchorId: uid }, { admins: uid }] }, { sort: { createdAt: -1 } });
  }

  async liveRooms(): Promise<Room[]> {
    return this.rooms.find({ live: true }, { sort: { _id: 1 } });
  }

  /** Open rooms after `afterId` in id order, for rebuilding the hot index. */
  async page(afterId: string, limit: number): Promise<Room[]> {
    return this.rooms.find({ _id: { $gt: afterId }, closed: false }, { sort: { _id: 1 }, limit });
  }

  async update(roomId: string, set: Partial<Room>): Promise<Room | null> {
    return this.rooms.findOneAndUpdate({ _id: roomId }, { $set: set, $inc: { rev: 1 } });
  }

  async addAdmin(roomId: string, uid: string, now: number): Promise<void> {
    await this.rooms.updateOne({ _id: roomId }, { $addToSet: { admins: uid }, $set: { updatedAt: now } });
  }

  async removeAdmin(roomId: string, uid: string, now: number): Promise<void> {
    await this.rooms.updateOne({ _id: roomId }, { $pull: { admins: uid }, $set: { updatedAt: now } });
  }

  /**
   * Applies `event` only when it is newer than what the room holds: a later
   * session (session ids sort by start time), or the same session with a
   * later `at`. Returns the room after the call and whether it changed.
   */
  async applyLive(roomId: string, event: LiveEvent): Promise<{ applied: boolean; before: Room | null; room: Room }> {
    const newer: Filter = {
      $or: [
        { sessionId: null },
        { sessionId: { $lt: event.sessionId } },
        { sessionId: event.sessionId, liveAt: { $lt: event.at } },
      ],
    };
    const sameSession = { sessionId: event.sessionId };
    const set: Partial<Room> = { live: event.live, sessionId: event.sessionId, liveAt: event.at, updatedAt: Date.now() };
    // startedAt belongs to the session: set when it first goes live, kept by later events of it.
    const before = await this.rooms.findOneAndUpdate(
      { _id: roomId, ...newer },
      { $set: set, $inc: { rev: 1 } },
      { returnDocument: 'before' },
    );
    if (!before) return { applied: false, before: null, room: await this.get(roomId) };
    const startedAt =
      before.sessionId === event.sessionId && before.startedAt !== null ? before.startedAt : event.live ? event.at : null;
    const room = await this.rooms.findOneAndUpdate({ _id: roomId, ...sameSession }, { $set: { startedAt }, $inc: { rev: 1 } });
    return { applied: true, before, room: room ?? (await this.get(roomId)) };
  }

  async saveHot(roomId: string, hot: FlushedHot): Promise<void> {
    await this.rooms.updateOne({ _id: roomId }, { $set: { hot } });
  }
}

export function notFound(roomId: string): NotFoundError {
  return new NotFoundError(`no room ${roomId}`, 'room_not_found');
}
