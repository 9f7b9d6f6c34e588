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

export const BroadcastSchema = z.object({
  type: z.enum(['gift', 'system', 'chat']),
  priority: z.enum(['high', 'normal', 'low']),
  body: z.record(z.string(), z.unknown()),
  idempotencyKey: z.string().min(1).max(200),
});

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
