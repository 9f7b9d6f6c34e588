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
  /** Throws NotFoundError for an unknown room. */
  sendPermission(roomId: string, uid: string): Promise<SendPermission>;
}

const RoomSchema = z.object({ roomId: z.string() }).passthrough();
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
    async sendPermission(roomId, uid) {
      return villa
        .call('GET', `/internal/rooms/${encodeURIComponent(roomId)}/send-permission/${encodeURIComponent(uid)}`, {
          schema: PermissionSchema,
        })
        .catch(notFound(roomId));
    },
  };
}
