// Request and response schemas shared by magi's routes (they also make the
// OpenAPI document).
import { ErrorSchema, z } from '@bamboo/kit';
import { MAX_COUNTER } from '../ledger/entry.js';

/** Words that are routes under /v1/gifts, so never gift ids. */
const RESERVED = new Set(['sends', 'transactions', 'shelves', 'rankings', 'revenue', 'reconciliation']);

export const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'letters, digits and _ . : @ - only');
export const GiftId = Id.refine((id) => !RESERVED.has(id), 'is a reserved word');

export const Coins = z.number().int().min(0).max(MAX_COUNTER);

export const GiftFieldsSchema = z
  .object({
    name: z.string().trim().min(1).max(64),
    price: z.number().int().min(1).max(1_000_000_000),
    experience: z.number().int().min(0).max(1_000_000_000),
    weight: z.number().int().min(0).max(1_000_000_000),
    iconImageId: z.string().min(1).max(128).nullable().default(null),
    effectLevel: z.number().int().min(0).max(10).default(0),
    sortOrder: z.number().int().default(0),
    active: z.boolean().default(true),
  })
  .openapi('GiftFields');

export const GiftSchema = z
  .object({
    _id: z.string(),
    version: z.number().int(),
    updatedAt: z.number(),
    name: z.string(),
    price: z.number(),
    experience: z.number(),
    weight: z.number(),
    iconImageId: z.string().nullable(),
    effectLevel: z.number(),
    sortOrder: z.number(),
    active: z.boolean(),
  })
  .openapi('Gift');

export const ShelfItemSchema = z
  .object({
    giftId: GiftId,
    from: z.number().int().min(0).nullable().default(null),
    until: z.number().int().min(0).nullable().default(null),
  })
  .refine((i) => i.from === null || i.until === null || i.from < i.until, 'from must be before until');

export const SendSchema = z
  .object({
    requestId: Id.describe('idempotency key: a retry with the same body returns the first result'),
    roomId: Id,
    /** Taken from the user token; only internal callers name the sender. */
    fromUid: Id.optional(),
    toUid: Id,
    giftId: GiftId,
    count: z.number().int().min(1).max(9999),
  })
  .openapi('SendGift');

export const GiftTxSchema = z
  .object({
    _id: z.string(),
    seq: z.number(),
    kind: z.literal('gift'),
    key: z.string(),
    fingerprint: z.string(),
    at: z.number(),
    fromUid: z.string(),
    toUid: z.string(),
    roomId: z.string(),
    sessionId: z.string().nullable(),
    giftId: z.string(),
    giftVersion: z.number(),
    giftName: z.string(),
    iconImageId: z.string().nullable(),
    effectLevel: z.number(),
    count: z.number(),
    unitPrice: z.number(),
    amount: z.number(),
    experience: z.number(),
    weight: z.number(),
    comboId: z.string(),
    comboCount: z.number(),
    broadcast: z.boolean().optional(),
  })
  .openapi('GiftTransaction');

export const CreditTxSchema = z
  .object({
    _id: z.string(),
    seq: z.number(),
    kind: z.enum(['topup', 'adjust']),
    key: z.string(),
    fingerprint: z.string(),
    at: z.number(),
    uid: z.string(),
    delta: z.number(),
    reason: z.string().nullable(),
  })
  .openapi('CreditTransaction');

export const TxSchema = z.union([GiftTxSchema, CreditTxSchema]);

export const WalletSchema = z
  .object({ uid: z.string(), balance: z.number(), experience: z.number(), weight: z.number(), level: z.number() })
  .openapi('Wallet');

export const ReportSchema = z
  .object({
    ok: z.boolean(),
    entries: z.number(),
    wallets: z.number(),
    summaries: z.number(),
    differences: z.array(z.object({ what: z.string(), expected: z.number(), actual: z.number() })),
    differenceCount: z.number(),
    repaired: z.array(z.string()),
    checkedAt: z.number(),
  })
  .openapi('ReconcileReport');

export const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, json(ErrorSchema, 'error')])) as Record<number, ReturnType<typeof json>>;
