// Request and response shapes of homer's HTTP API (they make /openapi.json).
import { z } from '@bamboo/kit';

export const RoomId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a room id is 1-64 letters, digits, _ or -');

export const MessageSchema = z
  .object({
    room: z.string(),
    seq: z.number().int(),
    ts: z.number().int(),
    type: z.enum(['chat', 'gift', 'system']),
    priority: z.enum(['high', 'normal', 'low']),
    body: z.record(z.string(), z.unknown()),
    from: z.string().optional(),
    range: z.enum(['shard', 'anchor', 'user']).optional(),
    shard: z.number().int().optional(),
    to: z.string().optional(),
  })
  .openapi('DanmakuMessage');

export const GatewaySchema = z
  .object({
    id: z.string(),
    region: z.string(),
    isp: z.string(),
    tcp: z.string().openapi({ example: '127.0.0.1:8094' }),
    ws: z.string().openapi({ example: 'ws://127.0.0.1:8084/sub' }),
  })
  .openapi('Gateway');

export const UserId = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'a user id is 1-64 letters, digits, _ . @ or -');
const Type = z.enum(['gift', 'system', 'chat']);
const Priority = z.enum(['high', 'normal', 'low']).optional().openapi({ description: 'default: normal for chat, high otherwise' });

/** Room broadcasts per call of POST /internal/broadcast/rooms. */
export const MAX_BROADCAST_BATCH = 500;

export const BroadcastSchema = z.object({
  type: Type,
  priority: Priority,
  body: z.record(z.string(), z.unknown()),
  idempotencyKey: z.string().min(1).max(200),
  range: z.enum(['room', 'shard', 'anchor', 'user']).optional().openapi({ description: 'who in the room gets it; default room' }),
  shard: z.number().int().min(0).optional().openapi({ description: 'for range shard: 0 … HOMER_ROOM_SHARDS-1' }),
  toUid: UserId.optional().openapi({ description: 'for range user' }),
});

export const UnicastSchema = z.object({
  toUid: UserId,
  type: Type,
  priority: Priority,
  body: z.record(z.string(), z.unknown()),
  ttlMs: z.number().int().positive().max(30 * 24 * 3600_000).optional().openapi({ description: 'default HOMER_INBOX_TTL_MS' }),
  persist: z.boolean().optional().openapi({ description: 'default true; false: push to whoever is online, never store' }),
  from: z.string().max(64).optional(),
});

export const UnicastMessageSchema = z
  .object({
    id: z.number().int().optional().openapi({ description: 'absent when not stored (persist: false)' }),
    uid: z.string(),
    ts: z.number().int(),
    type: Type,
    priority: z.enum(['high', 'normal', 'low']),
    body: z.record(z.string(), z.unknown()),
    from: z.string().optional(),
    expiresAt: z.number().int(),
  })
  .openapi('UnicastMessage');

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
