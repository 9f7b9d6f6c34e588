// The floor of magi's HTTP path: a service app from the kit (request id,
// identity from the signature, schema validation, metrics, error shape)
// with magi's send route, answering a transaction-shaped JSON without
// touching any store. magi over HTTP minus this is what magi's own code and
// stores cost per gift.
import { randomUUID } from 'node:crypto';
import { createLogger, createRoute, createServiceApp, listen } from '@bamboo/kit';
import { GiftTxSchema, SendSchema, json } from '../src/routes/schemas.js';

const { app } = createServiceApp({
  service: 'magi',
  logger: createLogger('magi', 'silent'),
  internalKey: process.env.BAMBOO_INTERNAL_KEY!,
  maxSkewMs: Number(process.env.INTERNAL_SIGNATURE_MAX_SKEW_MS),
});
let seq = 0;
app.openapi(
  createRoute({
    method: 'post',
    path: '/v1/gifts/sends',
    request: { body: { content: { 'application/json': { schema: SendSchema } }, required: true } },
    responses: { 201: json(GiftTxSchema, 'applied') },
  }),
  (c) => {
    const body = c.req.valid('json');
    const at = Date.now();
    const _id = randomUUID();
    return c.json(
      {
        _id, seq: ++seq, kind: 'gift' as const, key: `gift:${body.requestId}`, fingerprint: '0123456789abcdef01234567', at,
        fromUid: c.get('identity').userId ?? '', toUid: body.toUid, roomId: body.roomId, sessionId: 'live-1',
        giftId: body.giftId, giftVersion: 1, giftName: 'Rose', iconImageId: null, effectLevel: 0,
        count: body.count, unitPrice: 1, amount: body.count, experience: body.count, weight: body.count, comboId: _id, comboCount: body.count,
      },
      201,
    );
  },
);
await listen('magi', app.fetch, { port: Number(process.env.PORT), host: '127.0.0.1' });
