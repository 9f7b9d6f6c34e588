// LineStore over the document store (embedded nedb or MongoDB), written once
// in MongoDB's query language.
import { ConflictError } from '@bamboo/kit';
import { DuplicateKeyError, type DocumentStore } from '@bamboo/engines';
import type { CdnLine, CdnLinePatch, LineStore, NewCdnLine } from './lines.js';

type LineDoc = Omit<CdnLine, 'id'> & { _id: string };

const toLine = ({ _id, ...rest }: LineDoc): CdnLine => ({ id: _id, ...rest });

const URL_INDEX = 'pushUrlTemplate_1';

/** A duplicate is either the id or the push URL; the embedded engine may not say which index. */
function conflict(error: unknown, line: { id?: string; pushUrlTemplate?: string }, idTaken: boolean): never {
  if (!(error instanceof DuplicateKeyError)) throw error;
  if (error.index !== URL_INDEX && idTaken) throw new ConflictError(`a line with id ${line.id} exists`, 'line_exists');
  throw new ConflictError(`another line already pushes to ${line.pushUrlTemplate}`, 'push_url_taken');
}

export function createDocsLineStore(docs: DocumentStore): LineStore {
  const lines = docs.collection<LineDoc>('lines');
  return {
    async init() {
      await lines.createIndex({ pushUrlTemplate: 1 }, { unique: true, name: URL_INDEX });
      await lines.createIndex({ createdAt: 1 });
    },
    async create(line: NewCdnLine, now: number) {
      const doc: LineDoc = {
        _id: line.id,
        provider: line.provider,
        pushUrlTemplate: line.pushUrlTemplate,
        enabled: line.enabled,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await lines.insertOne(doc);
      } catch (error) {
        conflict(error, line, (await lines.countDocuments({ _id: line.id })) > 0);
      }
      return toLine(doc);
    },
    async get(id) {
      const doc = await lines.findOne({ _id: id });
      return doc ? toLine(doc) : null;
    },
    async list() {
      return (await lines.find({}, { sort: { createdAt: 1, _id: 1 } })).map(toLine);
    },
    async update(id: string, patch: CdnLinePatch, now: number) {
      const $set: Record<string, unknown> = { updatedAt: now };
      for (const [key, value] of Object.entries(patch)) if (value !== undefined) $set[key] = value;
      try {
        const doc = await lines.findOneAndUpdate({ _id: id }, { $set }, { returnDocument: 'after' });
        return doc ? toLine(doc) : null;
      } catch (error) {
        conflict(error, { id, ...patch }, false);
      }
    },
    async remove(id) {
      return (await lines.deleteOne({ _id: id })).deletedCount === 1;
    },
  };
}
