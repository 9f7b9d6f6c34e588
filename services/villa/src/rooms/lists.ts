// Room lists, served from the hot indexes alone: one sorted set per filter
// combination, paged through a frozen snapshot, each room rendered from the
// card and fields the hot store keeps (see src/stores/hot-rooms.ts); no room
// document is read. The cursor names the snapshot, the position in it and
// the filters it was made for, so it cannot be replayed against others.
import { NotFoundError, ValidationError } from '@bamboo/kit';
import { scopeOf, setKey, type ListScope } from '../stores/hot-rooms.js';
import type { Villa } from './deps.js';
import { withFields, type RoomCard, type RoomView } from './view.js';

interface Cursor {
  g: number;
  o: number;
  k: string;
}

export async function listRooms(
  v: Villa,
  scope: ListScope,
  limit: number,
  cursor: string | undefined,
  now: number,
): Promise<{ rooms: RoomView[]; next: string | null }> {
  if (scope.sort === 'started' && !scope.live) throw new ValidationError('query.sort: started sorts live rooms only');
  if (scope.categoryId !== undefined && !(await v.categories.exists(scope.categoryId))) {
    throw new NotFoundError(`no category ${scope.categoryId}`, 'category_not_found');
  }
  const key = setKey(scope.sort, scope.live, scopeOf(scope));
  const at = cursor === undefined ? undefined : decode(cursor, key);
  const offset = at?.o ?? 0;
  const page = await v.hot.list(scope, { ...(at ? { gen: at.g } : {}), offset, limit }, now);
  const rooms = page.rooms.map((r) => withFields(JSON.parse(r.card) as RoomCard, r.fields));
  return { rooms, next: page.more ? encode({ g: page.gen, o: offset + limit, k: key }) : null };
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
