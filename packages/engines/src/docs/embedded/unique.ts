// nedb reports a unique violation as { errorType: 'uniqueViolated', key }
// without naming the index; recover the index name the way MongoDB reports it.
import { DuplicateKeyError } from '../document-store.js';
import { isPlainObject } from './translate.js';

export interface UniqueIndex {
  name: string;
  /** Sorted, as nedb keys its indexes. */
  fields: string[];
}

interface NedbUniqueError {
  errorType: 'uniqueViolated';
  key: unknown;
}

export function isUniqueViolation(err: unknown): err is NedbUniqueError {
  return typeof err === 'object' && err !== null && (err as { errorType?: unknown }).errorType === 'uniqueViolated';
}

/**
 * A compound index is known by its key's fields; for a single-field key, the
 * index whose field already holds that value in a stored document is the one.
 */
export async function toDuplicateKeyError(
  collection: string,
  err: NedbUniqueError,
  indexes: readonly UniqueIndex[],
  holds: (field: string, value: unknown) => Promise<boolean>,
): Promise<DuplicateKeyError> {
  const key = err.key;
  let index: UniqueIndex | undefined;
  if (isPlainObject(key)) {
    const fields = Object.keys(key).sort().join(',');
    index = indexes.find((i) => i.fields.join(',') === fields);
  } else {
    const single = indexes.filter((i) => i.fields.length === 1);
    const hits: UniqueIndex[] = [];
    for (const i of single) if (await holds(i.fields[0]!, key)) hits.push(i);
    index = hits.length === 1 ? hits[0] : undefined;
  }
  return new DuplicateKeyError(collection, index?.name, key, { cause: err });
}
