// What homer needs to know about rooms, owned by villa: does the room exist,
// and may this user send in it. A port, so tests can stand in for villa.
import { BadGatewayError, NotFoundError, createServiceClient, z, type ServiceClient } from '@bamboo/kit';

export interface SendPermission {
  allowed: boolean;
  reason?: 'muted' | 'banned' | 'room_closed';
  until?: number | null;
}

export interface RoomCatalog {
  /** Throws NotFoundError for an unknown room. */
  assertRoom(roomId: string): Promise<void>;
  /** The room's anchor (owner) user id; throws NotFoundError for an unknown room. */
  anchorOf(roomId: string): Promise<string>;
  /** Throws NotFoundError for an unknown room. */
  sendPermission(roomId: string, uid: string): Promise<SendPermission>;
}

const RoomSchema = z.object({ roomId: z.string(), anchorId: z.string() }).passthrough();
const PermissionSchema = z.object({
  allowed: z.boolean(),
  reason: z.enum(['muted', 'banned', 'room_closed']).optional(),
  until: z.number().nullable().optional(),
});

export function villaRoomCatalog(options: { baseUrl: string; internalKey: string; timeoutMs?: number }): RoomCatalog {
  const villa: ServiceClient = createServiceClient({
    target: 'villa',
    baseUrl: options.baseUrl,
    caller: 'homer',
    internalKey: options.internalKey,
    timeoutMs: options.timeoutMs ?? 2_000,
  });
  const notFound = (roomId: string) => (error: unknown) => {
    const status = error instanceof Error && 'status' in error ? error.status : undefined;
    if (status === 404) throw new NotFoundError(`room ${roomId} does not exist`, 'room_not_found');
    // villa refusing homer's own signature is homer's misconfiguration, not the caller's fault.
    if (status === 401 || status === 403) throw new BadGatewayError(`villa refused homer's call (${status}): check BAMBOO_INTERNAL_KEY`);
    throw error;
  };
  return {
    async assertRoom(roomId) {
      await villa.call('GET', `/internal/rooms/${encodeURIComponent(roomId)}`, { schema: RoomSchema }).catch(notFound(roomId));
    },
    async anchorOf(roomId) {
      const room = await villa.call('GET', `/internal/rooms/${encodeURIComponent(roomId)}`, { schema: RoomSchema }).catch(notFound(roomId));
      return room.anchorId;
    },
    async sendPermission(roomId, uid) {
      return villa
        .call('GET', `/internal/rooms/${encodeURIComponent(roomId)}/send-permission/${encodeURIComponent(uid)}`, {
          schema: PermissionSchema,
        })
        .catch(notFound(roomId));
    },
  };
}

/**
 * villa's verdicts reused for `ttlMs` per room and user, so a burst of sends
 * costs villa one call, and a mute or ban takes effect within `ttlMs`.
 * Failed calls are not cached. The map is bounded: past `maxEntries` it is
 * cleared of stale entries, then of all.
 */
export function cachedPermissions(catalog: RoomCatalog, ttlMs: number, maxEntries = 50_000, now: () => number = Date.now): RoomCatalog {
  if (ttlMs === 0) return catalog;
  const cache = new Map<string, { permission: Promise<SendPermission>; until: number }>();
  return {
    assertRoom: (roomId) => catalog.assertRoom(roomId),
    anchorOf: (roomId) => catalog.anchorOf(roomId),
    sendPermission(roomId, uid) {
      const key = `${roomId}\u0000${uid}`;
      const t = now();
      const hit = cache.get(key);
      if (hit && hit.until > t) return hit.permission;
      if (cache.size >= maxEntries) {
        for (const [k, v] of cache) if (v.until <= t) cache.delete(k);
        if (cache.size >= maxEntries) cache.clear();
      }
      const permission = catalog.sendPermission(roomId, uid);
      cache.set(key, { permission, until: t + ttlMs });
      permission.catch(() => cache.get(key)?.permission === permission && cache.delete(key));
      return permission;
    },
  };
}
