// LineStore over the document store (embedded nedb or MongoDB), written once
// in MongoDB's query language.
import { ConflictError } from '@bamboo/kit';
import { DuplicateKeyError, type DocumentStore } from '@bamboo/engines';
import { EVERYWHERE, type CdnLine, type CdnLinePatch, type LineStore, type NewCdnLine } from './lines.js';

/**
 * As stored; `enabled` is the field of lines written before issue 6.
 * `pushKey` carries the uniqueness of push URLs: the push URL, or
 * `pull-only:<id>` for a line without one (so pull-only lines never collide).
 * Issue 5's stores also keep their unique index on `pushUrlTemplate`.
 */
type LineDoc = Omit<CdnLine, 'id' | 'kind' | 'state' | 'pullUrlTemplates' | 'regions' | 'isps' | 'weight' | 'capacity'> &
  Partial<Pick<CdnLine, 'kind' | 'state' | 'pullUrlTemplates' | 'regions' | 'isps' | 'weight' | 'capacity'>> & {
    _id: string;
    enabled?: boolean;
    pushKey?: string;
  };

const pushKeyOf = (id: string, pushUrlTemplate: string | null | undefined) => pushUrlTemplate ?? `pull-only:${id}`;

function toLine({ _id, enabled, pushKey: _k, ...doc }: LineDoc): CdnLine {
  return {
    id: _id,
    ...doc,
    kind: doc.kind ?? 'push',
    state: doc.state ?? (enabled === false ? 'disabled' : 'enabled'),
    pullUrlTemplates: doc.pullUrlTemplates ?? {},
    regions: doc.regions ?? [EVERYWHERE],
    isps: doc.isps ?? [EVERYWHERE],
    weight: doc.weight ?? 100,
    capacity: doc.capacity ?? 0,
  };
}

// Sparse: lines stored before issue 6 have no pushKey (their push URLs are unique by issue 5's index).
const URL_INDEX = 'pushKey_1';

/** A duplicate is either the id or the push URL; the embedded engine may not say which index. */
function conflict(error: unknown, line: { id?: string; pushUrlTemplate?: string | null }, idTaken: boolean): never {
  if (!(error instanceof DuplicateKeyError)) throw error;
  if (error.index !== URL_INDEX && idTaken) throw new ConflictError(`a line with id ${line.id} exists`, 'line_exists');
  throw new ConflictError(`another line already pushes to ${line.pushUrlTemplate}`, 'push_url_taken');
}

export function createDocsLineStore(docs: DocumentStore): LineStore {
  const lines = docs.collection<LineDoc>('lines');
  return {
    async init() {
      await lines.createIndex({ pushKey: 1 }, { unique: true, sparse: true, name: URL_INDEX });
      await lines.createIndex({ createdAt: 1 });
    },
    async create({ id, ...line }: NewCdnLine, now: number) {
      const doc: LineDoc = { _id: id, ...line, pushKey: pushKeyOf(id, line.pushUrlTemplate), createdAt: now, updatedAt: now };
      for (const key of ['pushUrlTemplate', 'probeUrl', 'signKey'] as const) if (doc[key] === undefined) delete doc[key];
      try {
        await lines.insertOne(doc);
      } catch (error) {
        conflict(error, { id, ...line }, (await lines.countDocuments({ _id: id })) > 0);
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
      // A legacy `enabled` gives way once a state is written.
      const $unset: Record<string, unknown> = patch.state ? { enabled: true } : {};
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) $unset[key] = true;
        else if (value !== undefined) $set[key] = value;
      }
      if (patch.pushUrlTemplate !== undefined) $set.pushKey = pushKeyOf(id, patch.pushUrlTemplate);
      try {
        const doc = await lines.findOneAndUpdate({ _id: id }, Object.keys($unset).length ? { $set, $unset } : { $set }, { returnDocument: 'after' });
        return doc ? toLine(doc) : null;
      } catch (error) {
        conflict(error, { id, pushUrlTemplate: patch.pushUrlTemplate }, false);
      }
    },
    async remove(id) {
      return (await lines.deleteOne({ _id: id })).deletedCount === 1;
    },
  };
}
