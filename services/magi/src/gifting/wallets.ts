// Wallet operations: top-ups (a payment credited once per key, however often
// the payment callback is retried), admin adjustments (recorded with a reason,
// never taking a balance below zero) and reading a wallet with its level.
import { randomUUID } from 'node:crypto';
import { ConflictError } from '@bamboo/kit';
import type { CreditEntry } from '../ledger/entry.js';
import type { Bank, CreditDraft, Wallet } from '../stores/bank.js';
import { fingerprint } from '../util/fingerprint.js';
import { refusal, type Acknowledger } from './outcome.js';

export interface WalletDeps {
  bank: Bank;
  ack: Acknowledger;
  requestTtlMs: number;
  levelBase: number;
}

export interface CreditResult {
  entry: CreditEntry;
  replayed: boolean;
}

export function topUp(deps: WalletDeps, req: { key: string; uid: string; amount: number }, now = Date.now()) {
  return credit(deps, {
    _id: randomUUID(),
    kind: 'topup',
    key: `topup:${req.key}`,
    fingerprint: fingerprint([req.key, req.uid, req.amount]),
    at: now,
    uid: req.uid,
    delta: req.amount,
    reason: null,
  });
}

export function adjust(
  deps: WalletDeps,
  req: { adjustmentId: string; uid: string; delta: number; reason: string },
  now = Date.now(),
) {
  return credit(deps, {
    _id: randomUUID(),
    kind: 'adjust',
    key: `adjust:${req.adjustmentId}`,
    fingerprint: fingerprint([req.adjustmentId, req.uid, req.delta, req.reason]),
    at: now,
    uid: req.uid,
    delta: req.delta,
    reason: req.reason,
  });
}

async function credit(deps: WalletDeps, draft: CreditDraft): Promise<CreditResult> {
  const result = await deps.bank.credit(draft, { ttlMs: deps.requestTtlMs });
  if (result.status === 'conflict') {
    throw new ConflictError(`${draft.key} was already used with a different body`, 'idempotency_key_reused');
  }
  if (!('entry' in result)) throw refusal(result);
  await deps.ack(result.entry.seq);
  return { entry: result.entry, replayed: result.status === 'replayed' };
}

/** Level n needs levelBase × n² experience. */
export function levelFor(experience: number, levelBase: number): number {
  return Math.floor(Math.sqrt(Math.max(0, experience) / levelBase));
}

export async function readWallet(deps: WalletDeps, uid: string): Promise<Wallet & { level: number }> {
  const wallet = await deps.bank.wallet(uid);
  return { ...wallet, level: levelFor(wallet.experience, deps.levelBase) };
}
