// Request and response schemas of trafficcop's public API.
import { z } from '@bamboo/kit';
import { templateProblem } from '../relay/push-url.js';

export const LineId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or dashes, starting with a letter or digit')
  .openapi({ example: 'cdn-a' });

const PushUrlTemplate = z
  .string()
  .max(1000)
  .superRefine((value, ctx) => {
    const problem = templateProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({ example: 'rtmp://push.cdn-a.example/live/{room}' });

const Provider = z.string().trim().min(1).max(64).openapi({ example: 'aliyun' });

export const NewLineBody = z
  .object({ id: LineId, provider: Provider, pushUrlTemplate: PushUrlTemplate, enabled: z.boolean().default(true) })
  .strict()
  .openapi('NewCdnLine');

export const LinePatchBody = z
  .object({ provider: Provider.optional(), pushUrlTemplate: PushUrlTemplate.optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'give at least one of provider, pushUrlTemplate, enabled')
  .openapi('CdnLinePatch');

export const RelaySummary = z.object({ connecting: z.number().int(), up: z.number().int(), retrying: z.number().int() });

export const Line = z
  .object({
    id: z.string(),
    provider: z.string(),
    pushUrlTemplate: z.string(),
    enabled: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
    relays: RelaySummary,
  })
  .openapi('CdnLine');

export const Relay = z
  .object({
    lineId: z.string(),
    roomId: z.string(),
    state: z.enum(['connecting', 'up', 'retrying']),
    failures: z.number().int(),
    since: z.number(),
    nextAttemptAt: z.number().optional(),
    outBytes: z.number(),
  })
  .openapi('Relay');

export const Stream = z
  .object({
    roomId: z.string(),
    sessionId: z.string(),
    startedAt: z.number(),
    anchorId: z.string().optional(),
    relays: z.array(Relay),
  })
  .openapi('LiveStream');

export const PlayUrls = z
  .object({ roomId: z.string(), rtmp: z.string(), flv: z.string(), expiresAt: z.number().openapi({ description: 'epoch seconds' }) })
  .openapi('OriginPlayUrls');

export const RoomParam = z.object({
  roomId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, _ or -'),
});
export const LineParam = z.object({ lineId: LineId });
