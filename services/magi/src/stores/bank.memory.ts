// The bank in process memory, for one node. Each operation runs to completion
// synchronously (no await inside), so it is atomic within the process. Not
// durable: magi writes the journal to the ledger before acknowledging, and
// restores this state from the ledger at start.
import type { CreditEntry, GiftEntry, LedgerEntry } from '../ledger/entry.js';
import { MAX_COUNTER } from '../ledger/entry.js';
import { summaryIncrements, type SummaryIncrement } from '../ledger/summaries.js';
import type { ApplyOptions, ApplyResult, Bank, CreditDraft, GiftDraft, GiftOptions, Wallet } from './bank.js';

type Counter = 'balance' | 'experience' | 'weight';

const SWEEP_EVERY = 10_000;

interface Remembered {
  entry: LedgerEntry;
  expiresAt: number;
}

export class MemoryBank implements Bank {
  readonly kind = 'memory' as const;
  readonly durable = false;
  private readonly counters: Record<Counter, Map<string, number>> = {
    balance: new Map(),
    experience: new Map(),
    weight: new Map(),
  };
  private readonly requests = new Map<string, Remembered>();
  private readonly combos = new Map<string, { comboId: string; count: number; expiresAt: number }>();
  private readonly summaries = new Map<string, Map<string, number>>();
  private journal: LedgerEntry[] = [];
  private seq = 0;
  private remembered = 0;

  async send(draft: GiftDraft, options: GiftOptions): Promise<ApplyResult<GiftEntry>> {
    const seen = this.seen<GiftEntry>(draft.key, draft.fingerprint);
    if (seen) return seen;
    const balance = this.get('balance', draft.fromUid);
    if (balance < draft.amount) return { status: 'insufficient', balance };
    if (this.get('experience', draft.fromUid) + draft.experience > MAX_COUNTER) {
      return { status: 'overflow', counter: 'experience', uid: draft.fromUid };
    }
    if (this.get('weight', draft.toUid) + draft.weight > MAX_COUNTER) {
      return { status: 'overflow', counter: 'weight', uid: draft.toUid };
    }
    const now = Date.now();
    const comboKey = `${draft.roomId}\u0000${draft.fromUid}\u0000${draft.giftId}`;
    const live = this.combos.get(comboKey);
    const combo = live && live.expiresAt > now ? live : { comboId: draft._id, count: 0, expiresAt: 0 };
    combo.count += draft.count;
    combo.expiresAt = now + options.comboWindowMs;
    this.combos.set(comboKey, combo);
    const entry: GiftEntry = { ...draft, seq: ++this.seq, comboId: combo.comboId, comboCount: combo.count };
    this.applyGift(entry, options.summaries);
    this.remember(entry, options.ttlMs);
    this.journal.push(entry);
    return { status: 'applied', entry };
  }

  async credit(draft: CreditDraft, options: ApplyOptions): Promise<ApplyResult<CreditEntry>> {
    const seen = this.seen<CreditEntry>(draft.key, draft.fingerprint);
    if (seen) return seen;
    const balance = this.get('balance', draft.uid);
    if (balance + draft.delta < 0) return { status: 'insufficient', balance };
    if (balance + draft.delta > MAX_COUNTER) return { status: 'overflow', counter: 'balance', uid: draft.uid };
    const entry: CreditEntry = { ...draft, seq: ++this.seq };
    this.add('balance', draft.uid, draft.delta);
    this.remember(entry, options.ttlMs);
    this.journal.push(entry);
    return { status: 'applied', entry };
  }

  async recall(key: string): Promise<LedgerEntry | null> {
    const hit = this.requests.get(key);
    return hit && hit.expiresAt > Date.now() ? hit.entry : null;
  }

  async wallet(uid: string): Promise<Wallet> {
    return { uid, balance: this.get('balance', uid), experience: this.get('experience', uid), weight: this.get('weight', uid) };
  }

  async wallets(): Promise<Wallet[]> {
    const uids = new Set<string>();
    for (const map of Object.values(this.counters)) for (const [uid, v] of map) if (v !== 0) uids.add(uid);
    return Promise.all([...uids].map((uid) => this.wallet(uid)));
  }

  async top(key: string, limit: number): Promise<Array<{ member: string; score: number }>> {
    const set = this.summaries.get(key) ?? new Map<string, number>();
    return [...set]
      .map(([member, score]) => ({ member, score }))
      .sort((a, b) => b.score - a.score || (a.member < b.member ? 1 : -1))
      .slice(0, limit);
  }

  async hash(key: string): Promise<Record<string, number>> {
    return this.summary(key);
  }

  async summaryKeys(): Promise<string[]> {
    return [...this.summaries.keys()];
  }

  async summary(key: string): Promise<Record<string, number>> {
    return Object.fromEntries(this.summaries.get(key) ?? []);
  }

  async replaceSummary(key: string, content: Map<string, number>): Promise<void> {
    if (content.size === 0) this.summaries.delete(key);
    else this.summaries.set(key, new Map(content));
  }

  async lease(): Promise<boolean> {
    return true; // one process: nobody to share the journal with
  }

  async readJournal(limit: number): Promise<LedgerEntry[]> {
    return this.journal.slice(0, limit);
  }

  async ackJournal(throughSeq: number): Promise<void> {
    const keep = this.journal.findIndex((e) => e.seq > throughSeq);
    this.journal = keep < 0 ? [] : this.journal.slice(keep);
  }

  async lastSeq(): Promise<number> {
    return this.seq;
  }

  async restore(entries: LedgerEntry[], options: { ttlMs: number }): Promise<void> {
    for (const entry of entries) {
      if (entry.seq <= this.seq) continue; // already applied (restore is idempotent)
      if (entry.kind === 'gift') this.applyGift(entry, summaryIncrements(entry));
      else this.add('balance', entry.uid, entry.delta);
      this.remember(entry, options.ttlMs, entry.at);
      this.seq = entry.seq;
    }
  }

  async close(): Promise<void> {}

  private applyGift(entry: GiftEntry, summaries: SummaryIncrement[]): void {
    this.add('balance', entry.fromUid, -entry.amount);
    this.add('experience', entry.fromUid, entry.experience);
    this.add('weight', entry.toUid, entry.weight);
    for (const s of summaries) {
      let set = this.summaries.get(s.key);
      if (!set) this.summaries.set(s.key, (set = new Map()));
      set.set(s.member, (set.get(s.member) ?? 0) + s.by);
    }
  }

  private seen<E extends LedgerEntry>(key: string, fingerprint: string): ApplyResult<E> | undefined {
    const hit = this.requests.get(key);
    if (!hit || hit.expiresAt <= Date.now()) return undefined;
    if (hit.entry.fingerprint !== fingerprint) return { status: 'conflict' };
    return { status: 'replayed', entry: hit.entry as E };
  }

  private remember(entry: LedgerEntry, ttlMs: number, since = Date.now()): void {
    this.requests.set(entry.key, { entry, expiresAt: since + ttlMs });
    // Forget expired keys and combos now and then, so memory follows the TTLs.
    if (++this.remembered % SWEEP_EVERY === 0) {
      const now = Date.now();
      for (const [key, hit] of this.requests) if (hit.expiresAt <= now) this.requests.delete(key);
      for (const [key, combo] of this.combos) if (combo.expiresAt <= now) this.combos.delete(key);
    }
  }

  private get(counter: Counter, uid: string): number {
    return this.counters[counter].get(uid) ?? 0;
  }

  private add(counter: Counter, uid: string, by: number): void {
    this.counters[counter].set(uid, this.get(counter, uid) + by);
  }
}
