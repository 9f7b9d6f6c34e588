// The floor of magi's HTTP path: a service app from the kit (request id,
// identity from the signature, schema validation, metrics, error shape)
// with magi's send route, answering a transaction-shaped JSON without
// touching any store. magi over HTTP minus this is what magi's own code and
// stores cost per gift. KIT_FLOOR_ROUTE=direct registers it as magi does
// (the kit's direct route, answered before Hono); otherwise on the Hono path.
import { randomUUID } from 'node:crypto';
import { DirectReply, addDirectJsonRoute, createLogger, createRoute, createServiceApp, listen, type Identity } from '@bamboo/kit';
import { GiftTxSchema, SendSchema, json } from '../src/routes/schemas.js';

const { app } = createServiceApp({
  service: 'magi',
  logger: createLogger('magi', 'silent'),
  internalKey: process.env.BAMBOO_INTERNAL_KEY!,
  maxSkewMs: Number(process.env.INTERNAL_SIGNATURE_MAX_SKEW_MS),
});
let seq = 0;
const route = createRoute({
  method: 'post',
  path: '/v1/gifts/sends',
  request: { body: { content: { 'application/json': { schema: SendSchema } }, required: true } },
  responses: { 201: json(GiftTxSchema, 'applied') },
});

function transaction(body: { requestId: string; roomId: string; toUid: string; giftId: string; count: number }, identity: Identity) {
  const at = Date.now();
  const _id = randomUUID();
  return {
    _id, seq: ++seq, kind: 'gift' as const, key: `gift:${body.requestId}`, fingerprint: '0123456789abcdef01234567', at,
    fromUid: identity.userId ?? '', toUid: body.toUid, roomId: body.roomId, sessionId: 'live-1',
    giftId: body.giftId, giftVersion: 1, giftName: 'Rose', iconImageId: null, effectLevel: 0,
    count: body.count, unitPrice: 1, amount: body.count, experience: body.count, weight: body.count, comboId: _id, comboCount: body.count,
  };
}

if (process.env.KIT_FLOOR_ROUTE === 'direct') {
  addDirectJsonRoute(app, {
    route,
    schema: SendSchema,
    handler: async (body, { identity }) => new DirectReply(transaction(body, identity), 201),
  });
} else {
  app.openapi(route, (c) => c.json(transaction(c.req.valid('json'), c.get('identity')), 201));
}
await listen('magi', app.fetch, { port: Number(process.env.PORT), host: '127.0.0.1' });
