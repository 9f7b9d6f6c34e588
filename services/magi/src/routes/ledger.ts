// /v1/gifts/transactions, rankings, revenue and reconciliation: reads of the
// ledger and of the summaries kept apart from it. Registered before
// /v1/gifts/{giftId}, whose pattern would otherwise take these paths.
import { ValidationError, createRoute, z, type ServiceApp } from '@bamboo/kit';
import { dayOf, weekOf } from '../ledger/entry.js';
import { rankingKey, revenueKey } from '../ledger/summaries.js';
import type { Magi } from '../magi.js';
import { requireAdmin, requireSelfOrAdmin } from './access.js';
import { Id, ReportSchema, TxSchema, errors, json } from './schemas.js';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day as YYYY-MM-DD');
const Ranking = z.object({
  key: z.string(),
  entries: z.array(z.object({ rank: z.number(), uid: z.string(), coins: z.number() })),
});

const TxQuery = z
  .object({
    fromUid: Id.optional(),
    toUid: Id.optional(),
    /** Either side of a gift, or the wallet of a top-up or adjustment. */
    uid: Id.optional(),
    roomId: Id.optional(),
    giftId: Id.optional(),
    kind: z.enum(['gift', 'topup', 'adjust']).optional(),
    since: z.coerce.number().int().min(0).optional(),
    until: z.coerce.number().int().min(0).optional(),
    cursor: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => ['fromUid', 'toUid', 'uid', 'roomId', 'giftId'].filter((f) => q[f as keyof typeof q]).length <= 1, {
    message: 'filter on at most one of fromUid, toUid, uid, roomId, giftId',
  });

export function ledgerRoutes(app: ServiceApp, magi: Magi): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gifts/transactions',
      tags: ['ledger'],
      summary: 'Transactions by sender, receiver, wallet, room or gift, within a time range, newest first',
      description:
        'Cursor-paginated: pass `next` back as `cursor`. A user may list their own (fromUid, toUid or uid); ' +
        'other queries need the admin scope. Reads the ledger, which trails acknowledgements by the flush interval on Redis.',
      request: { query: TxQuery },
      responses: {
        200: json(z.object({ items: z.array(TxSchema), next: z.number().nullable() }), 'a page'),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const field = (['fromUid', 'toUid', 'uid', 'roomId', 'giftId'] as const).find((f) => q[f] !== undefined);
      const identity = c.get('identity');
      if (field === 'fromUid' || field === 'toUid' || field === 'uid') requireSelfOrAdmin(identity, q[field]!);
      else requireAdmin(identity);
      if (q.since !== undefined && q.until !== undefined && q.since >= q.until) {
        throw new ValidationError('query.until: must be after since');
      }
      // A wallet's own view: gifts either way plus its credits.
      if (field === 'uid' && q.kind === 'gift') throw new ValidationError('query.kind: use fromUid or toUid for gifts');
      const page = await magi.ledger.query({
        ...(field ? { by: { field, value: q[field]! } } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.since !== undefined ? { since: q.since } : {}),
        ...(q.until !== undefined ? { until: q.until } : {}),
        ...(q.cursor !== undefined ? { beforeSeq: q.cursor } : {}),
        limit: q.limit,
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gifts/rankings/rooms/{roomId}',
      tags: ['rankings'],
      summary: "A room's contributors: per live session, UTC day or ISO week",
      description: 'period=session uses the room\'s current live session unless `id` names one; day and week default to now.',
      request: {
        params: z.object({ roomId: Id }),
        query: z.object({
          period: z.enum(['session', 'day', 'week']).default('day'),
          id: z.string().min(1).max(64).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
        }),
      },
      responses: { 200: json(Ranking, 'the ranking'), ...errors(400, 404, 503) },
    }),
    async (c) => {
      const { roomId } = c.req.valid('param');
      const { period, limit } = c.req.valid('query');
      let id = c.req.valid('query').id;
      if (!id && period === 'session') {
        const room = await magi.rooms.room(roomId);
        if (!room.sessionId) return c.json({ key: '', entries: [] }, 200);
        id = room.sessionId;
      }
      id ??= period === 'day' ? dayOf(Date.now()) : weekOf(Date.now());
      const key = rankingKey.room(roomId, period, id);
      return c.json({ key, entries: ranked(await magi.bank.top(key, limit)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gifts/rankings/global',
      tags: ['rankings'],
      summary: 'Global daily ranking of senders (coins spent) or anchors (coins received)',
      request: {
        query: z.object({
          side: z.enum(['senders', 'anchors']).default('senders'),
          day: Day.optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
        }),
      },
      responses: { 200: json(Ranking, 'the ranking'), ...errors(400) },
    }),
    async (c) => {
      const { side, limit } = c.req.valid('query');
      const day = c.req.valid('query').day ?? dayOf(Date.now());
      const key = side === 'senders' ? rankingKey.globalSenders(day) : rankingKey.globalAnchors(day);
      return c.json({ key, entries: ranked(await magi.bank.top(key, limit)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gifts/revenue/{anchorUid}',
      tags: ['rankings'],
      summary: "An anchor's revenue per UTC day (the anchor or an admin)",
      request: {
        params: z.object({ anchorUid: Id }),
        query: z.object({ from: Day.optional(), to: Day.optional() }),
      },
      responses: {
        200: json(
          z.object({ anchorUid: z.string(), days: z.array(z.object({ day: z.string(), coins: z.number() })), total: z.number() }),
          'revenue',
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const { anchorUid } = c.req.valid('param');
      const { from, to } = c.req.valid('query');
      requireSelfOrAdmin(c.get('identity'), anchorUid);
      const all = await magi.bank.hash(revenueKey(anchorUid));
      const days = Object.entries(all)
        .filter(([day]) => (!from || day >= from) && (!to || day <= to))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([day, coins]) => ({ day, coins }));
      return c.json({ anchorUid, days, total: days.reduce((s, d) => s + d.coins, 0) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gifts/reconciliation',
      tags: ['ledger'],
      summary: 'Recompute every wallet counter and summary from the ledger and report differences (admin)',
      responses: { 200: json(ReportSchema, 'the report; ok is false when anything differs'), ...errors(401, 403, 503) },
    }),
    async (c) => {
      requireAdmin(c.get('identity'));
      return c.json(await magi.reconcile(), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/internal/reconciliation',
      tags: ['ledger'],
      summary: 'Reconcile; with repair=summaries, rewrite differing rankings and revenue from the ledger',
      request: { query: z.object({ repair: z.enum(['summaries']).optional() }) },
      responses: { 200: json(ReportSchema, 'the report (ok describes the state before any repair)'), ...errors(400, 503) },
    }),
    async (c) => c.json(await magi.reconcile({ repairSummaries: c.req.valid('query').repair === 'summaries' }), 200),
  );
}

function ranked(top: Array<{ member: string; score: number }>) {
  return top.map((t, i) => ({ rank: i + 1, uid: t.member, coins: t.score }));
}
