// Live-session records (one per room and trafficcop session id), in the
// document store. Guarantees: recording the start or end of a session twice
// leaves one record (upsert on the natural id); an end may arrive without a
// start (villa missed it) and still makes a record; peak viewers only grow.
// A session id's prefix is its start time in base36, so ids sort by start.
import type { Collection, DocumentStore } from '@bamboo/engines';

export interface LiveSession {
  _id: string;
  roomId: string;
  sessionId: string;
  startedAt: number | null;
  endedAt: number | null;
  peakViewers: number;
}

export class SessionStore {
  private readonly coll: Collection<LiveSession>;

  constructor(docs: DocumentStore) {
    this.coll = docs.collection<LiveSession>('sessions');
  }

  async init(): Promise<void> {
    await this.coll.createIndex({ roomId: 1, sessionId: -1 });
  }

  async started(roomId: string, sessionId: string, at: number): Promise<void> {
    await this.coll.updateOne(
      { _id: id(roomId, sessionId) },
      { $setOnInsert: { roomId, sessionId, endedAt: null, peakViewers: 0 }, $set: { startedAt: at } },
      { upsert: true },
    );
  }

  async ended(roomId: string, sessionId: string, at: number): Promise<void> {
    await this.coll.updateOne(
      { _id: id(roomId, sessionId) },
      { $setOnInsert: { roomId, sessionId, startedAt: null, peakViewers: 0 }, $set: { endedAt: at } },
      { upsert: true },
    );
  }

  async peak(roomId: string, sessionId: string, viewers: number): Promise<void> {
    await this.coll.updateOne({ _id: id(roomId, sessionId) }, { $max: { peakViewers: viewers } });
  }

  /** Newest first. */
  async list(roomId: string, limit: number): Promise<LiveSession[]> {
    return this.coll.find({ roomId }, { sort: { sessionId: -1 }, limit });
  }
}

function id(roomId: string, sessionId: string): string {
  return `${roomId}/${sessionId}`;
}
