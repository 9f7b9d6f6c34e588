// Request and response schemas shared by the routes; limits come from config.
import { z } from '@bamboo/kit';
import { Day, ModuleName, Platform, Uid } from '../presence/names.js';
import type { Config } from '../config.js';

export function schemas(config: Config) {
  const Heartbeat = z
    .object({
      uid: Uid,
      modules: z.array(ModuleName).max(config.MAX_MODULES, `at most ${config.MAX_MODULES} modules`).default([]),
      source: z
        .enum(config.PRESENCE_SOURCES as [string, ...string[]])
        .default('app')
        .openapi({
          description:
            "Who reports these modules. Each source's list replaces only its own earlier list; the user is in the union of " +
            'their sources\' modules, and each source times out on its own.',
          example: 'app',
        }),
      platform: Platform.optional().openapi({ description: "The client's platform; left out, the last one given stays" }),
    })
    .openapi('Heartbeat');
  const HeartbeatAck = z
    .object({
      intervalMs: z.number().int().openapi({ description: 'Send the next heartbeat after this long', example: 30_000 }),
      offlineAfterMs: z.number().int().openapi({ description: 'Silence after which the user is offline', example: 65_000 }),
      accepted: z.number().int().openapi({ description: 'Heartbeats recorded' }),
    })
    .openapi('HeartbeatAck');
  const UserStatus = z
    .object({
      uid: z.string(),
      online: z.boolean(),
      since: z.number().nullable().openapi({ description: 'Epoch ms the current online stretch began' }),
      lastSeen: z.number().nullable(),
      modules: z.array(z.string()),
      platform: z.string().nullable(),
    })
    .openapi('UserStatus');
  return {
    Heartbeat,
    HeartbeatBatch: z.object({
      heartbeats: z.array(Heartbeat).min(1).max(config.MAX_BATCH, `at most ${config.MAX_BATCH} heartbeats per batch`),
    }),
    HeartbeatAck,
    UserStatus,
    UidParam: z.object({ uid: Uid.openapi({ param: { name: 'uid', in: 'path' } }) }),
    ModuleParam: z.object({ module: ModuleName.openapi({ param: { name: 'module', in: 'path' } }) }),
    UidList: z.object({ uids: z.array(Uid).min(1).max(config.MAX_LOOKUP, `at most ${config.MAX_LOOKUP} users`) }),
    ModuleList: z.object({
      modules: z.array(ModuleName).min(1).max(config.MAX_LOOKUP, `at most ${config.MAX_LOOKUP} modules`),
    }),
    PageQuery: z.object({
      cursor: Uid.optional().openapi({ description: 'The `next` of the previous page' }),
      limit: z.coerce.number().int().min(1).max(config.MAX_PAGE).default(100),
    }),
    DayQuery: z.object({ day: Day.optional().openapi({ description: 'UTC day; today when left out' }) }),
    EventsQuery: z.object({
      after: z.string().max(2_000).optional().openapi({ description: 'The `next` (or an event cursor) from the last read' }),
      limit: z.coerce.number().int().min(1).max(config.MAX_PAGE).default(100),
    }),
    Counts: z.object({ counts: z.record(z.string(), z.number().int()) }),
  };
}

export type Schemas = ReturnType<typeof schemas>;
