// The bank: magi's hot money state — wallet counters, idempotency records,
// combos, rankings and revenue — and the journal of what it applied.
//
// Guarantees every adapter gives:
// - send() and credit() are atomic: the idempotency check, the balance check,
//   every counter and summary change and the journal append happen together
//   or not at all, also across processes (Redis: one Lua script);
// - a balance never goes below zero and no counter exceeds MAX_COUNTER;
//   a refused operation changes nothing;
// - an idempotency key is applied at most once while remembered (ttlMs): a
//   repeat with the same fingerprint (the draft's) returns the first entry ('replayed'), a
//   repeat with another fingerprint is a 'conflict';
// - every applied entry gets the next seq and is appended to the journal; the
//   journal is read in seq order and entries leave it only through
//   ackJournal(), so a crash after applying never loses an entry's record.
// `durable` says whether applied state survives a restart of magi: true on
// Redis (as far as Redis persistence goes: see the README), false in memory,
// where the caller must write the journal to the ledger before acknowledging
// and restore() the ledger at start.
import type { CreditEntry, GiftEntry, LedgerEntry } from '../ledger/entry.js';
import type { SummaryIncrement } from '../ledger/summaries.js';

/** A gift to apply: the entry without what the bank assigns. */
export type GiftDraft = Omit<GiftEntry, 'seq' | 'comboId' | 'comboCount'>;
export type CreditDraft = Omit<CreditEntry, 'seq'>;

export interface ApplyOptions {
  /** How long the key is remembered. */
  ttlMs: number;
}

export interface GiftOptions extends ApplyOptions {
  comboWindowMs: number;
  /** The summaries this gift feeds (summaryIncrements of the draft). */
  summaries: SummaryIncrement[];
}

export type ApplyResult<E extends LedgerEntry> =
  | { status: 'applied' | 'replayed'; entry: E }
  | { status: 'conflict' }
  /** The balance (of the sender, or of the adjusted wallet) does not cover the debit. */
  | { status: 'insufficient'; balance: number }
  /** A counter would pass MAX_COUNTER. */
  | { status: 'overflow'; counter: keyof Wallet; uid: string };

export interface Wallet {
  uid: string;
  /** Coins owned. */
  balance: number;
  /** Coins' worth of experience gained by sending gifts. */
  experience: number;
  /** Value received as gifts (anchors). */
  weight: number;
}

export interface Bank {
  readonly kind: 'memory' | 'redis';
  readonly durable: boolean;
  send(draft: GiftDraft, options: GiftOptions): Promise<ApplyResult<GiftEntry>>;
  /** A top-up (delta > 0) or an adjustment (either sign; a debit never goes below zero). */
  credit(draft: CreditDraft, options: ApplyOptions): Promise<ApplyResult<CreditEntry>>;
  /** The entry remembered under an idempotency key, if any (for answering a retry). */
  recall(key: string): Promise<LedgerEntry | null>;
  /** Missing wallets read as zeros. */
  wallet(uid: string): Promise<Wallet>;
  /** Every wallet with a non-zero counter (for reconciliation). */
  wallets(): Promise<Wallet[]>;
  /** Top members of a sorted set, highest score first. */
  top(key: string, limit: number): Promise<Array<{ member: string; score: number }>>;
  /** Fields of a hash summary. */
  hash(key: string): Promise<Record<string, number>>;
  /** Every summary key ever incremented, and the full content of one. */
  summaryKeys(): Promise<string[]>;
  summary(key: string): Promise<Record<string, number>>;
  /**
   * Replaces a summary's whole content (empty = remove it): rebuilding a
   * summary from the ledger. Not atomic with sends: rebuild while quiet.
   */
  replaceSummary(key: string, content: Map<string, number>): Promise<void>;
  /**
   * Takes or renews a named lease for `ms` (true when `holder` holds it now),
   * so one process at a time flushes a shared journal. Memory: always true.
   */
  lease(name: string, holder: string, ms: number): Promise<boolean>;
  /** Up to `limit` journal entries, lowest seq first. */
  readJournal(limit: number): Promise<LedgerEntry[]>;
  /** Drops journal entries with seq ≤ throughSeq (they are in the ledger). */
  ackJournal(throughSeq: number): Promise<void>;
  /** The highest seq assigned so far (0 when none). */
  lastSeq(): Promise<number>;
  /**
   * Memory only: re-applies entries read back from the ledger at start, in seq
   * order, without journaling them. Redis keeps its own state and ignores it.
   */
  restore(entries: LedgerEntry[], options: { ttlMs: number }): Promise<void>;
  close(): Promise<void>;
}
