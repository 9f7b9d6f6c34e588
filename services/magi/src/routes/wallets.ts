// /v1/wallets: reading wallets, top-ups (idempotent by key) and admin adjustments.
import { createRoute, requireScope, requireUser, z, type ServiceApp } from '@bamboo/kit';
import { adjust, readWallet, topUp } from '../gifting/wallets.js';
import type { Magi } from '../magi.js';
import { TOPUP_SCOPE, requireAdmin, requireSelfOrAdmin } from './access.js';
import { MAX_COUNTER } from '../ledger/entry.js';
import { CreditTxSchema, Id, WalletSchema, errors, json } from './schemas.js';

const MAX_TOPUP = MAX_COUNTER;

const TopUpBody = z
  .object({
    key: Id.describe("the payment's idempotency key: a retried callback credits once"),
    uid: Id,
    amount: z.number().int().min(1).max(MAX_TOPUP),
  })
  .openapi('TopUp');

const AdjustBody = z
  .object({
    adjustmentId: Id,
    delta: z
      .number()
      .int()
      .min(-MAX_TOPUP)
      .max(MAX_TOPUP)
      .refine((d) => d !== 0, 'must not be 0'),
    reason: z.string().trim().min(1).max(500),
  })
  .openapi('Adjustment');

export function walletRoutes(app: ServiceApp, magi: Magi): void {
  const walletResponses = { 200: json(WalletSchema, 'the wallet'), ...errors(400, 401, 403, 503) };

  app.openapi(
    createRoute({ method: 'get', path: '/v1/wallets/me', tags: ['wallets'], summary: "The caller's wallet", responses: walletResponses }),
    async (c) => c.json(await readWallet(magi.wallets, requireUser(c.get('identity'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{uid}',
      tags: ['wallets'],
      summary: 'A wallet (its owner or an admin)',
      request: { params: z.object({ uid: Id }) },
      responses: walletResponses,
    }),
    async (c) => {
      const { uid } = c.req.valid('param');
      requireSelfOrAdmin(c.get('identity'), uid);
      return c.json(await readWallet(magi.wallets, uid), 200);
    },
  );

  const topUpRoute = (path: string) =>
    createRoute({
      method: 'post',
      path,
      tags: ['wallets'],
      summary: 'Credit coins once per key (the payment callback)',
      request: { body: { content: { 'application/json': { schema: TopUpBody } }, required: true } },
      responses: {
        201: json(CreditTxSchema, 'credited'),
        200: json(CreditTxSchema, 'a retry: the first result'),
        ...errors(400, 401, 403, 409, 503),
      },
    });
  const handleTopUp = (path: string, guard: boolean) =>
    app.openapi(topUpRoute(path), async (c) => {
      if (guard) requireScope(c.get('identity'), TOPUP_SCOPE);
      const { entry, replayed } = await topUp(magi.wallets, c.req.valid('json'));
      if (replayed) c.header('idempotent-replayed', 'true');
      return replayed ? c.json(entry, 200) : c.json(entry, 201);
    });
  handleTopUp('/v1/wallets/topups', true);
  handleTopUp('/internal/wallets/topups', false);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/wallets/{uid}/adjustments',
      tags: ['wallets'],
      summary: 'Adjust a balance with a reason (admin); never below zero',
      request: {
        params: z.object({ uid: Id }),
        body: { content: { 'application/json': { schema: AdjustBody } }, required: true },
      },
      responses: {
        201: json(CreditTxSchema, 'adjusted'),
        200: json(CreditTxSchema, 'a retry: the first result'),
        ...errors(400, 401, 402, 403, 409, 503),
      },
    }),
    async (c) => {
      requireAdmin(c.get('identity'));
      const { entry, replayed } = await adjust(magi.wallets, { ...c.req.valid('json'), uid: c.req.valid('param').uid });
      if (replayed) c.header('idempotent-replayed', 'true');
      return replayed ? c.json(entry, 200) : c.json(entry, 201);
    },
  );
}
