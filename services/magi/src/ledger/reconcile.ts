// Reconciliation: recompute every wallet counter and summary from the ledger
// alone and compare with what the bank holds. There must be no difference; a
// difference names the counter or summary, the expected and the actual value.
// The journal is flushed first, so the ledger holds everything applied; run it
// while sends continue and the gifts applied during the scan show up as
// differences (the figures are exact only for a quiet moment). Summaries can
// be rebuilt from the ledger (repairSummaries); wallets are only reported.
import type { Bank, Wallet } from '../stores/bank.js';
import type { LedgerSide } from './ledger-side.js';
import { summaryIncrements } from './summaries.js';

export interface Difference {
  /** `wallet:<uid>:<counter>` or `<summary key>:<member>`. */
  what: string;
  expected: number;
  actual: number;
}

export interface ReconcileOptions {
  /**
   * Rewrite every summary that differs from the ledger (rankings, revenue).
   * Wallet differences are only reported: money is not corrected blindly.
   */
  repairSummaries?: boolean;
}

export interface ReconcileReport {
  /** True when nothing differed (before any repair). */
  ok: boolean;
  entries: number;
  wallets: number;
  summaries: number;
  /** At most 100 listed; differenceCount has the total. */
  differences: Difference[];
  differenceCount: number;
  /** Summary keys rewritten from the ledger (with repairSummaries). */
  repaired: string[];
  checkedAt: number;
}

const BATCH = 5_000;
const COUNTERS = ['balance', 'experience', 'weight'] as const;

export async function reconcile(
  bank: Bank,
  ledger: Pick<LedgerSide, 'drain' | 'scan'>,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  await ledger.drain();
  const wallets = new Map<string, Wallet>();
  const summaries = new Map<string, Map<string, number>>();
  const wallet = (uid: string): Wallet => {
    let w = wallets.get(uid);
    if (!w) wallets.set(uid, (w = { uid, balance: 0, experience: 0, weight: 0 }));
    return w;
  };
  let entries = 0;
  for (let after = 0; ; ) {
    const batch = await ledger.scan(after, BATCH);
    if (batch.length === 0) break;
    for (const e of batch) {
      if (e.kind === 'gift') {
        wallet(e.fromUid).balance -= e.amount;
        wallet(e.fromUid).experience += e.experience;
        wallet(e.toUid).weight += e.weight;
        for (const s of summaryIncrements(e)) {
          let m = summaries.get(s.key);
          if (!m) summaries.set(s.key, (m = new Map()));
          m.set(s.member, (m.get(s.member) ?? 0) + s.by);
        }
      } else {
        wallet(e.uid).balance += e.delta;
      }
    }
    entries += batch.length;
    after = batch[batch.length - 1]!.seq;
  }

  const differences: Difference[] = [];
  const actualWallets = new Map((await bank.wallets()).map((w) => [w.uid, w]));
  for (const uid of new Set([...wallets.keys(), ...actualWallets.keys()])) {
    const want = wallets.get(uid);
    const have = actualWallets.get(uid);
    for (const counter of COUNTERS) {
      const expected = want?.[counter] ?? 0;
      const actual = have?.[counter] ?? 0;
      if (expected !== actual) differences.push({ what: `wallet:${uid}:${counter}`, expected, actual });
    }
  }
  const keys = new Set([...summaries.keys(), ...(await bank.summaryKeys())]);
  const repaired: string[] = [];
  for (const key of keys) {
    const want = summaries.get(key) ?? new Map<string, number>();
    const have = await bank.summary(key);
    let differs = false;
    for (const member of new Set([...want.keys(), ...Object.keys(have)])) {
      const expected = want.get(member) ?? 0;
      const actual = have[member] ?? 0;
      if (expected !== actual) {
        differences.push({ what: `${key}:${member}`, expected, actual });
        differs = true;
      }
    }
    if (differs && options.repairSummaries) {
      await bank.replaceSummary(key, want);
      repaired.push(key);
    }
  }
  return {
    ok: differences.length === 0,
    entries,
    wallets: new Set([...wallets.keys(), ...actualWallets.keys()]).size,
    summaries: keys.size,
    differences: differences.slice(0, 100),
    differenceCount: differences.length,
    repaired,
    checkedAt: Date.now(),
  };
}
