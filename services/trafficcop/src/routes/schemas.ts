// Request and response schemas of trafficcop's public API.
import { z } from '@bamboo/kit';
import { templateProblem } from '../relay/push-url.js';
import { pullTemplateProblem } from '../schedule/play-url.js';
import type { PullProtocol } from '../stores/lines.js';

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

const pullTemplate = (protocol: PullProtocol, example: string) =>
  z
    .string()
    .max(1000)
    .superRefine((value, ctx) => {
      const problem = pullTemplateProblem(protocol, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .openapi({ example });

const PullUrlTemplates = z
  .object({
    flv: pullTemplate('flv', 'https://pull.cdn-a.example/live/{room}.flv').optional(),
    hls: pullTemplate('hls', 'https://pull.cdn-a.example/live/{room}/index.m3u8').optional(),
    rtmp: pullTemplate('rtmp', 'rtmp://pull.cdn-a.example/live/{room}').optional(),
  })
  .strict();

const Code = z.string().regex(/^(\*|[a-z0-9][a-z0-9-]{0,31})$/, 'a configured code, or *');
const Codes = z.array(Code).min(1).max(64);
export const Reason = z.string().trim().min(1, 'give a reason').max(500).openapi({ example: 'provider maintenance window' });
const ProbeUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const SignKey = z.string().min(8).max(128);
export const Weight = z.number().int().min(0).max(10_000);
export const LineStateSchema = z.enum(['enabled', 'draining', 'disabled']);

export const NewLineBody = z
  .object({
    id: LineId,
    provider: Provider,
    kind: z.enum(['push', 'pull', 'both']).optional().openapi({ description: 'default: what the URLs given imply' }),
    pushUrlTemplate: PushUrlTemplate.optional(),
    pullUrlTemplates: PullUrlTemplates.default({}),
    regions: Codes.default(['*']),
    isps: Codes.default(['*']),
    weight: Weight.default(100),
    capacity: z.number().int().min(0).default(0).openapi({ description: 'concurrent viewers; 0 = no limit' }),
    state: LineStateSchema.default('enabled'),
    probeUrl: ProbeUrl.optional(),
    signKey: SignKey.optional(),
    reason: Reason.optional(),
  })
  .strict()
  .openapi('NewCdnLine');

export const LinePatchBody = z
  .object({
    provider: Provider.optional(),
    kind: z.enum(['push', 'pull', 'both']).optional(),
    pushUrlTemplate: PushUrlTemplate.nullable().optional(),
    pullUrlTemplates: PullUrlTemplates.optional(),
    regions: Codes.optional(),
    isps: Codes.optional(),
    capacity: z.number().int().min(0).optional(),
    probeUrl: ProbeUrl.nullable().optional(),
    signKey: SignKey.nullable().optional(),
    reason: Reason.optional(),
  })
  .strict()
  .refine(
    ({ reason: _r, ...p }) => Object.values(p).some((v) => v !== undefined),
    'give at least one field to change (state and weight have their own routes)',
  )
  .openapi('CdnLinePatch');

export const StateBody = z.object({ state: LineStateSchema, reason: Reason }).strict().openapi('LineStateChange');
export const WeightBody = z.object({ weight: Weight, reason: Reason }).strict().openapi('LineWeightChange');
export const ReasonQuery = z.object({ reason: Reason });

export const RelaySummary = z.object({ connecting: z.number().int(), up: z.number().int(), retrying: z.number().int() });

const HealthTrack = z.object({
  scope: z.string(),
  source: z.enum(['probe', 'qos']),
  status: z.enum(['healthy', 'degraded']),
  since: z.number(),
  recoversAt: z.number().optional(),
  figures: z.record(z.string(), z.unknown()).optional(),
});

export const LineHealthSchema = z
  .object({
    status: z.enum(['healthy', 'partial', 'degraded']),
    probe: z.record(z.string(), z.unknown()).optional(),
    tracks: z.array(HealthTrack),
  })
  .openapi('LineHealth');

export const Line = z
  .object({
    id: z.string(),
    provider: z.string(),
    kind: z.enum(['push', 'pull', 'both']),
    pushUrlTemplate: z.string().optional(),
    pullUrlTemplates: z.record(z.string(), z.string()),
    regions: z.array(z.string()),
    isps: z.array(z.string()),
    weight: z.number().int(),
    capacity: z.number().int(),
    state: LineStateSchema,
    probeUrl: z.string().optional(),
    signed: z.boolean().openapi({ description: 'play URLs are signed (the key is never shown)' }),
    createdAt: z.number(),
    updatedAt: z.number(),
    relays: RelaySummary,
    viewers: z.number().int().openapi({ description: 'plays handed out by this instance within VIEWER_TTL_MS' }),
    health: LineHealthSchema,
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

const RegionCode = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a region code, e.g. cn-east');
const IspCode = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'an ISP code, e.g. telecom');

export const PlayQuery = z.object({
  region: RegionCode.optional(),
  isp: IspCode.optional(),
  protocol: z.enum(['flv', 'hls', 'rtmp']).default('flv'),
  device: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{8,128}$/, '8-128 letters, digits, _ . : or -')
    .optional()
    .openapi({ description: 'anonymous viewers: a stable device id keeps them on their line' }),
});

export const PlayUrlSchema = z.object({
  lineId: z.string(),
  provider: z.string(),
  url: z.string(),
  reason: z.enum(['pinned', 'preferred', 'weighted', 'backup', 'origin']),
});

export const PlayAnswerSchema = z
  .object({
    roomId: z.string(),
    protocol: z.enum(['flv', 'hls', 'rtmp']),
    urls: z.array(PlayUrlSchema),
    expiresAt: z.number().openapi({ description: 'epoch seconds; signed URLs stop playing then' }),
  })
  .openapi('PlayAnswer');

const Ms = z.number().int().min(0, 'cannot be negative');

export const QosBody = z
  .object({
    roomId: RoomParam.shape.roomId,
    lineId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
    region: RegionCode,
    isp: IspCode,
    firstFrameMs: Ms.max(600_000),
    stallCount: z.number().int().min(0, 'cannot be negative').max(100_000),
    stallMs: Ms,
    errors: z.number().int().min(0, 'cannot be negative').max(100_000),
    watchedMs: Ms.min(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.stallMs > r.watchedMs) ctx.addIssue({ code: 'custom', path: ['stallMs'], message: 'a stall cannot last longer than the time watched' });
    if ((r.stallCount === 0) !== (r.stallMs === 0)) {
      ctx.addIssue({ code: 'custom', path: ['stallCount'], message: 'stallCount and stallMs are both zero or both positive' });
    }
  })
  .openapi('QosReport');

export const PinScopeSchema = z.enum(['room', 'region', 'isp']);
export const PinParam = z.object({ scope: PinScopeSchema, value: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) });
export const PinBody = z
  .object({
    lineId: LineId,
    ttlS: z.number().int().min(1).max(30 * 86_400).openapi({ description: 'the pin expires after this many seconds' }),
    reason: Reason,
  })
  .strict()
  .openapi('NewPin');

export const PinSchema = z
  .object({
    id: z.string(),
    scope: PinScopeSchema,
    value: z.string(),
    lineId: z.string(),
    expiresAt: z.number(),
    createdAt: z.number(),
    createdBy: z.string(),
    reason: z.string(),
  })
  .openapi('Pin');

export const SwitchBody = z
  .object({
    lineId: LineId.optional(),
    roomId: RoomParam.shape.roomId.optional(),
    region: RegionCode.optional(),
    isp: IspCode.optional(),
    reason: Reason,
  })
  .strict()
  .refine((b) => b.lineId !== undefined || b.roomId !== undefined, 'give lineId, roomId or both')
  .openapi('SwitchRequest');

export const AuditQuerySchema = z.object({
  lineId: LineId.optional(),
  roomId: RoomParam.shape.roomId.optional(),
  action: z
    .enum(['line.create', 'line.update', 'line.delete', 'line.state', 'line.weight', 'line.degraded', 'line.recovered', 'pin.create', 'pin.remove', 'switch'])
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.number(),
    actor: z.object({ kind: z.enum(['user', 'service', 'system']), id: z.string(), via: z.string().optional() }),
    action: z.string(),
    reason: z.string(),
    lineId: z.string().optional(),
    roomId: z.string().optional(),
    scope: z.string().optional(),
    before: z.record(z.string(), z.unknown()).optional(),
    after: z.record(z.string(), z.unknown()).optional(),
    figures: z.record(z.string(), z.unknown()).optional(),
    notifiedRooms: z.array(z.string()).optional(),
  })
  .openapi('AuditEntry');
