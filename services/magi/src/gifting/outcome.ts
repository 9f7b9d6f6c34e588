// What the bank's refusals mean to a caller, and when an applied operation may
// be acknowledged.
import { AppError, ValidationError } from '@bamboo/kit';
import type { ApplyResult } from '../stores/bank.js';
import type { LedgerEntry } from '../ledger/entry.js';

/** Waits until an entry may be acknowledged (in the ledger, when that is required). */
export type Acknowledger = (seq: number) => Promise<void>;

/** 402 with the balance for want of coins; 400 for a counter that would overflow. */
export function refusal(result: Exclude<ApplyResult<LedgerEntry>, { status: 'applied' | 'replayed' | 'conflict' }>): AppError {
  if (result.status === 'insufficient') {
    return new AppError(402, 'insufficient_balance', `the balance (${result.balance} coins) does not cover this`, {
      balance: result.balance,
    });
  }
  return new ValidationError(`this would take ${result.counter} of ${result.uid} past the largest value magi records`);
}
