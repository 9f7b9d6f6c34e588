// What magi needs to know about a room, from villa's contract
// (GET /internal/rooms/{roomId}), cached briefly: a burst of gifts into one
// room asks once per MAGI_ROOM_CACHE_MS, not once per gift. villa down is a
// 503 from the service client; an unknown room a 404.
import { AppError, NotFoundError, z, type ServiceClient } from '@bamboo/kit';
import { TtlCache } from '../util/ttl-cache.js';

const RoomSchema = z.object({
  roomId: z.string(),
  anchorId: z.string(),
  categoryId: z.string(),
  live: z.boolean(),
  sessionId: z.string().nullable(),
  closed: z.boolean(),
});
export type RoomFacts = z.infer<typeof RoomSchema>;

export interface RoomDirectory {
  room(roomId: string): Promise<RoomFacts>;
}

export function villaRooms(villa: ServiceClient, cacheMs: number): RoomDirectory {
  const cache = new TtlCache<RoomFacts>(cacheMs);
  return {
    room: (roomId) =>
      cache.get(roomId, async () => {
        try {
          return await villa.call('GET', `/internal/rooms/${encodeURIComponent(roomId)}`, { schema: RoomSchema });
        } catch (err) {
          if (err instanceof AppError && err.status === 404) {
            throw new NotFoundError(`room ${roomId} does not exist`, 'room_not_found');
          }
          throw err;
        }
      }),
  };
}
