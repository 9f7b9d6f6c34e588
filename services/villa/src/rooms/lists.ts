// Room lists, served from the hot indexes: one sorted set per filter
// combination, paged through a frozen snapshot (see src/stores/hot-rooms.ts).
// The cursor names the snapshot and the position in it, and the filters it
// was made for, so it cannot be replayed against other filters.
import { ValidationError } from '@bamboo/kit';
import { scopeOf, setKey, type ListScope } from '../stores/hot-rooms.js';
import type { Villa } from './deps.js';
import { roomViews } from './rooms.js';
import type { RoomView } from './view.js';

interface Cursor {
  g: number;
  o: number;
  k: string;
}

export async function listRooms(v: Villa, scope: ListScope, limit: number, cursor: string | undefined, now: number) {
  if (scope.sort === 'started' && !scope.live) throw new ValidationError('query.sort: started sorts live rooms only');
  const key = setKey(scope.sort, scope.live, scopeOf(scope));
  const at = cursor === undefined ? undefined : decode(cursor, key);
  const page = await v.hot.list(scope, { ...(at ? { gen: at.g } : {}), offset: at?.o ?? 0, limit }, now);
  const docs = await v.rooms.many(page.roomIds);
  const byId = new Map(docs.map((d) => [d._id, d]));
  // A room closed since the snapshot was taken drops out of the page.
  const rooms = page.roomIds.map((id) => byId.get(id)).filter((r) => r !== undefined && !r.closed);
  const next = page.more ? encode({ g: page.gen, o: (at?.o ?? 0) + limit, k: key }) : null;
  return { rooms: (await roomViews(v, rooms as NonNullable<(typeof rooms)[number]>[])) as RoomView[], next };
}

function encode(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decode(raw: string, key: string): Cursor {
  let c: Partial<Cursor>;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    throw new ValidationError('query.cursor: not a cursor this service made');
  }
  if (!Number.isSafeInteger(c.g) || !Number.isSafeInteger(c.o) || (c.o ?? -1) < 0 || typeof c.k !== 'string') {
    throw new ValidationError('query.cursor: not a cursor this service made');
  }
  if (c.k !== key) throw new ValidationError('query.cursor: made for other filters; keep the filters of the first page');
  return c as Cursor;
}
