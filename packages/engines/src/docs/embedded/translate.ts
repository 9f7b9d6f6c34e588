// MongoDB query language → nedb's dialect, so repository code written for
// MongoDB behaves the same on the embedded store. nedb differs on: `null`
// (Mongo: null or missing), `$ne`/`$nin` on arrays (Mongo: no element
// matches), field-level `$not`, `$eq`, `$all`, `$nor`, string `$regex`.
import type { Filter, Projection } from '../document-store.js';

type Query = Record<string, unknown>;

const FIELD_OPS_AS_IS = new Set([
  '$gt', '$gte', '$lt', '$lte', '$exists', '$size',
]);

export function toNedbFilter(filter: Filter): Query {
  const out: Query = {};
  const and: Query[] = [];
  const add = (clause: Query): void => {
    const [key] = Object.keys(clause);
    if (key !== undefined && !key.startsWith('$') && !(key in out)) Object.assign(out, clause);
    else and.push(clause);
  };
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || key === '$comment') continue;
    if (key === '$and' || key === '$or') add({ [key]: clauses(key, value).map(toNedbFilter) });
    else if (key === '$nor') add({ $and: clauses(key, value).map((f) => ({ $not: toNedbFilter(f) })) });
    else if (key.startsWith('$')) throw new Error(`unsupported query operator ${key}`);
    else fieldClauses(key, value).forEach(add);
  }
  if (and.length > 0) out.$and = and;
  return out;
}

function clauses(op: string, value: unknown): Filter[] {
  if (!Array.isArray(value)) throw new Error(`${op} needs an array`);
  return value as Filter[];
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function fieldClauses(path: string, value: unknown): Query[] {
  if (value === null) return [{ $or: [{ [path]: null }, { [path]: { $exists: false } }] }];
  if (!isOperatorObject(value)) return [{ [path]: value }];
  const ops: Query = {};
  const extra: Query[] = [];
  for (const [op, arg] of Object.entries(value)) {
    if (op === '$eq') extra.push(...fieldClauses(path, arg));
    else if (op === '$ne') extra.push({ $not: toNedbFilter({ [path]: arg }) });
    else if (op === '$in') extra.push(inClause(path, arg));
    else if (op === '$nin') extra.push({ $not: inClause(path, arg) });
    else if (op === '$not') extra.push({ $not: toNedbFilter({ [path]: arg }) });
    else if (op === '$all') clauses(op, arg).forEach((el) => extra.push(...fieldClauses(path, el)));
    else if (op === '$regex') ops.$regex = toRegExp(arg, value.$options);
    else if (op === '$options') continue;
    else if (op === '$elemMatch') ops.$elemMatch = isOperatorObject(arg) ? arg : toNedbFilter(arg as Filter);
    else if (FIELD_OPS_AS_IS.has(op)) ops[op] = arg;
    else throw new Error(`unsupported query operator ${op}`);
  }
  return Object.keys(ops).length > 0 ? [{ [path]: ops }, ...extra] : extra;
}

function inClause(path: string, list: unknown): Query {
  if (!Array.isArray(list)) throw new Error('$in / $nin needs an array');
  const plain = list.filter((v) => v !== null && !(v instanceof RegExp));
  const alternatives: Query[] = [{ [path]: { $in: plain } }];
  if (plain.length !== list.length) {
    for (const v of list) if (v === null || v instanceof RegExp) alternatives.push(...fieldClauses(path, v));
  }
  return alternatives.length === 1 ? alternatives[0]! : { $or: alternatives };
}

function toRegExp(pattern: unknown, options: unknown): RegExp {
  if (pattern instanceof RegExp) return options === undefined ? pattern : new RegExp(pattern.source, String(options));
  if (typeof pattern !== 'string') throw new Error('$regex needs a string or RegExp');
  return new RegExp(pattern, typeof options === 'string' ? options : undefined);
}

/**
 * The document MongoDB starts an upsert from: the filter's equality
 * conditions (top level, `$eq`, inside `$and`), dotted paths expanded.
 */
export function upsertSeed(filter: Filter, into: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === '$and' && Array.isArray(value)) {
      for (const sub of value as Filter[]) upsertSeed(sub, into);
    } else if (key.startsWith('$') || value instanceof RegExp) {
      continue;
    } else if (isOperatorObject(value)) {
      if ('$eq' in value) setPath(into, key, value.$eq);
    } else {
      setPath(into, key, value);
    }
  }
  return into;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!isPlainObject(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** nedb wants 1 / 0, MongoDB also accepts booleans. */
export function toNedbProjection(projection: Projection | undefined): Record<string, 0 | 1> | undefined {
  if (!projection) return undefined;
  const out: Record<string, 0 | 1> = {};
  for (const [key, v] of Object.entries(projection)) out[key] = v ? 1 : 0;
  // `{ _id: 1 }` alone means "only _id" in MongoDB but "everything" in nedb:
  // include a field no nedb document can have ($-names are refused).
  if (Object.keys(out).length === 1 && out._id === 1) out.$none = 1;
  return out;
}
