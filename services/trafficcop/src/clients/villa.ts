// villa's internal contract as trafficcop uses it: stream-key checks, live
// status with session ids, the live-room list for reconciliation, thumbnails.
import { AppError, createServiceClient, z } from '@bamboo/kit';

const VerifyAnswer = z.object({
  allowed: z.boolean(),
  roomId: z.string().optional(),
  anchorId: z.string().optional(),
  reason: z.string().optional(),
});
export type StreamKeyVerdict = z.infer<typeof VerifyAnswer>;

const LiveAnswer = z.object({
  roomId: z.string(),
  live: z.boolean(),
  sessionId: z.string().nullable(),
  startedAt: z.number().nullable(),
  applied: z.boolean(),
});
export type LiveAnswer = z.infer<typeof LiveAnswer>;

const LiveRooms = z.object({
  rooms: z.array(z.object({ roomId: z.string(), sessionId: z.string(), startedAt: z.number() })),
});
export type VillaLiveRoom = z.infer<typeof LiveRooms>['rooms'][number];

const RoomAnswer = z.object({ roomId: z.string(), closed: z.boolean().optional(), live: z.boolean().optional() });

const ThumbnailAnswer = z.object({ roomId: z.string(), thumbnailImageId: z.string() });

export interface LiveUpdate {
  sessionId: string;
  live: boolean;
  /** Epoch ms of the event (start or end of the publish). */
  at: number;
}

export interface VillaClient {
  verifyStreamKey(streamKey: string, roomId: string, timeoutMs: number): Promise<StreamKeyVerdict>;
  setLive(roomId: string, update: LiveUpdate): Promise<LiveAnswer>;
  liveRooms(): Promise<VillaLiveRoom[]>;
  setThumbnail(roomId: string, imageId: string): Promise<void>;
  /** Whether villa knows the room (false on its 404). */
  roomExists(roomId: string): Promise<boolean>;
}

export function createVillaClient(options: { baseUrl: string; internalKey: string; timeoutMs: number }): VillaClient {
  const client = createServiceClient({
    target: 'villa',
    caller: 'trafficcop',
    baseUrl: options.baseUrl,
    internalKey: options.internalKey,
    timeoutMs: options.timeoutMs,
  });
  const room = (roomId: string) => `/internal/rooms/${encodeURIComponent(roomId)}`;
  return {
    verifyStreamKey: (streamKey, roomId, timeoutMs) =>
      client.call('POST', '/internal/stream-keys/verify', { body: { streamKey, roomId }, schema: VerifyAnswer, timeoutMs }),
    setLive: (roomId, update) =>
      client.call('POST', `${room(roomId)}/live`, {
        body: update,
        schema: LiveAnswer,
        // villa applies a (session, at) pair once, so the call is safe to repeat.
        idempotencyKey: `${update.sessionId}:${update.live ? 'live' : 'offline'}:${update.at}`,
      }),
    liveRooms: async () => (await client.call('GET', '/internal/rooms/live', { schema: LiveRooms })).rooms,
    setThumbnail: async (roomId, imageId) => {
      await client.call('PUT', `${room(roomId)}/thumbnail`, { body: { imageId }, schema: ThumbnailAnswer });
    },
    roomExists: async (roomId) => {
      try {
        await client.call('GET', room(roomId), { schema: RoomAnswer });
        return true;
      } catch (error) {
        if (error instanceof AppError && error.status === 404) return false;
        throw error;
      }
    },
  };
}
