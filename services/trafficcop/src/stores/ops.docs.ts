// AuditLog and PinStore over the document store (embedded nedb or MongoDB),
// written once in MongoDB's query language.
import { randomUUID } from 'node:crypto';
import type { DocumentStore } from '@bamboo/engines';
import type { AuditEntry, AuditLog } from './audit.js';
import { pinId, type Pin, type PinStore } from './pins.js';

type AuditDoc = Omit<AuditEntry, 'id'> & { _id: string };
type PinDoc = Omit<Pin, 'id'> & { _id: string };

const toEntry = ({ _id, ...rest }: AuditDoc): AuditEntry => ({ id: _id, ...rest });
const toPin = ({ _id, ...rest }: PinDoc): Pin => ({ id: _id, ...rest });

export function createDocsAuditLog(docs: DocumentStore): AuditLog {
  const audit = docs.collection<AuditDoc>('audit');
  let appended = 0;
  return {
    async init() {
      await audit.createIndex({ at: -1 });
      await audit.createIndex({ lineId: 1, at: -1 });
    },
    async append(entry) {
      // Time, then this process's count, in the id: entries with the same `at` still sort by arrival.
      appended += 1;
      const _id = `${entry.at.toString(36).padStart(9, '0')}-${appended.toString(36).padStart(6, '0')}-${randomUUID().slice(0, 8)}`;
      const doc: AuditDoc = { _id, ...entry };
      await audit.insertOne(doc);
      return toEntry(doc);
    },
    async list({ lineId, roomId, action, limit }) {
      const filter: Record<string, unknown> = {};
      if (lineId) filter.lineId = lineId;
      if (roomId) filter.roomId = roomId;
      if (action) filter.action = action;
      return (await audit.find(filter, { sort: { at: -1, _id: -1 }, limit })).map(toEntry);
    },
  };
}

export function createDocsPinStore(docs: DocumentStore): PinStore {
  const pins = docs.collection<PinDoc>('pins');
  return {
    async init() {
      await pins.createIndex({ expiresAt: 1 });
    },
    async put(pin) {
      const _id = pinId(pin.scope, pin.value);
      const replaced = await pins.findOneAndUpdate({ _id }, { $set: pin }, { upsert: true, returnDocument: 'before' });
      return { pin: { id: _id, ...pin }, replaced: replaced ? toPin(replaced) : null };
    },
    async list(now) {
      return (await pins.find({ expiresAt: { $gt: now } }, { sort: { _id: 1 } })).map(toPin);
    },
    async remove(id) {
      const pin = await pins.findOne({ _id: id });
      if (!pin || (await pins.deleteOne({ _id: id })).deletedCount === 0) return null;
      return toPin(pin);
    },
    async sweep(now) {
      const expired = await pins.find({ expiresAt: { $lte: now } });
      for (const pin of expired) await pins.deleteOne({ _id: pin._id, expiresAt: pin.expiresAt });
      return expired.map(toPin);
    },
  };
}
