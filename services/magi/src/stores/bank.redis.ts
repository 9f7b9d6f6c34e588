// The bank on Redis, shared by every magi process. Counters are three hashes
// (balance, experience, weight: uid → integer), rankings sorted sets,
// revenue hashes, the journal a stream whose ids are the seqs. Each operation
// is one Lua script (bank.lua.ts); sends and credits of one event-loop turn
// travel in one pipeline (tick-pipeline.ts). Durable as far as Redis persistence goes:
// with appendonly yes and appendfsync always an acknowledged operation
// survives a Redis crash; with everysec up to a second of them may not.
// Standalone or Sentinel; the scripts touch several keys, so not Cluster.
import type { ChainableCommander, Redis } from 'ioredis';
import { guardRedis } from '@bamboo/engines';
import { MAX_COUNTER, type CreditEntry, type GiftEntry, type LedgerEntry } from '../ledger/entry.js';
import { summaryType } from '../ledger/summaries.js';
import { CREDIT_LUA, LEASE_LUA, SEND_LUA } from './bank.lua.js';
import type { ApplyOptions, ApplyResult, Bank, CreditDraft, GiftDraft, GiftOptions, Wallet } from './bank.js';
import { TickPipeline } from './tick-pipeline.js';

const K = {
  request: (key: string) => `req:${key}`,
  balance: 'wallet:balance',
  experience: 'wallet:experience',
  weight: 'wallet:weight',
  seq: 'seq',
  journal: 'journal',
  combo: (roomId: string, fromUid: string, giftId: string) => `combo:${roomId}:${fromUid}:${giftId}`,
  summaryKeys: 'summary-keys',
};

type Reply = [string, ...string[]];
type Scripted = Redis & {
  magiLease(key: string, holder: string, ms: number): Promise<number>;
};
/** The bank's scripts as defineCommand adds them to a pipeline. */
type ScriptedPipeline = ChainableCommander & {
  magiSend(numKeys: number, ...args: (string | number)[]): ChainableCommander;
  magiCredit(...args: (string | number)[]): ChainableCommander;
};

export class RedisBank implements Bank {
  readonly kind = 'redis' as const;
  readonly durable = true;
  private readonly redis: Scripted;
  private readonly prefix: string;
  private readonly pipeline: TickPipeline;

  /** `redis` is the engines' prefixed command client (hot.redis). */
  constructor(redis: Redis) {
    redis.defineCommand('magiSend', { lua: SEND_LUA });
    redis.defineCommand('magiCredit', { numberOfKeys: 4, lua: CREDIT_LUA });
    redis.defineCommand('magiLease', { numberOfKeys: 1, lua: LEASE_LUA });
    this.redis = redis as Scripted;
    this.prefix = redis.options.keyPrefix ?? '';
    this.pipeline = new TickPipeline(redis);
  }

  async send(draft: GiftDraft, options: GiftOptions): Promise<ApplyResult<GiftEntry>> {
    const keys = [
      K.request(draft.key),
      K.balance,
      K.experience,
      K.weight,
      K.seq,
      K.journal,
      K.combo(draft.roomId, draft.fromUid, draft.giftId),
      K.summaryKeys,
      ...options.summaries.map((s) => s.key),
    ];
    const args = [
      draft.fingerprint,
      draft.fromUid,
      draft.toUid,
      draft.amount,
      draft.experience,
      draft.weight,
      options.ttlMs,
      options.comboWindowMs,
      draft._id,
      openJson(draft),
      MAX_COUNTER,
      draft.count,
      ...options.summaries.flatMap((s) => [s.type, s.member, s.by]),
    ];
    return this.outcome<GiftEntry>(await this.scripted((p) => p.magiSend(keys.length, ...keys, ...args)));
  }

  async credit(draft: CreditDraft, options: ApplyOptions): Promise<ApplyResult<CreditEntry>> {
    const reply = await this.scripted((p) =>
      p.magiCredit(
        K.request(draft.key),
        K.balance,
        K.seq,
        K.journal,
        draft.fingerprint,
        draft.uid,
        draft.delta,
        options.ttlMs,
        openJson(draft),
        MAX_COUNTER,
      ),
    );
    return this.outcome<CreditEntry>(reply);
  }

  async recall(key: string): Promise<LedgerEntry | null> {
    const rec = await this.run(() => this.redis.get(K.request(key)));
    return rec ? (JSON.parse(rec.slice(rec.indexOf('\n') + 1)) as LedgerEntry) : null;
  }

  async wallet(uid: string): Promise<Wallet> {
    const [b, e, w] = await this.run(() =>
      this.redis.multi().hget(K.balance, uid).hget(K.experience, uid).hget(K.weight, uid).exec(),
    ).then((rows) => (rows ?? []).map(([, v]) => Number(v ?? 0)));
    return { uid, balance: b ?? 0, experience: e ?? 0, weight: w ?? 0 };
  }

  async wallets(): Promise<Wallet[]> {
    const byUid = new Map<string, Wallet>();
    for (const counter of ['balance', 'experience', 'weight'] as const) {
      const all = await this.run(() => this.redis.hgetall(K[counter]));
      for (const [uid, value] of Object.entries(all)) {
        let w = byUid.get(uid);
        if (!w) byUid.set(uid, (w = { uid, balance: 0, experience: 0, weight: 0 }));
        w[counter] = Number(value);
      }
    }
    return [...byUid.values()].filter((w) => w.balance !== 0 || w.experience !== 0 || w.weight !== 0);
  }

  async top(key: string, limit: number): Promise<Array<{ member: string; score: number }>> {
    const flat = await this.run(() => this.redis.zrevrange(key, 0, limit - 1, 'WITHSCORES'));
    const out: Array<{ member: string; score: number }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i]!, score: Number(flat[i + 1]) });
    return out;
  }

  async hash(key: string): Promise<Record<string, number>> {
    const all = await this.run(() => this.redis.hgetall(key));
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  async summaryKeys(): Promise<string[]> {
    const keys = await this.run(() => this.redis.smembers(K.summaryKeys));
    return keys.map((k) => (k.startsWith(this.prefix) ? k.slice(this.prefix.length) : k));
  }

  async summary(key: string): Promise<Record<string, number>> {
    const type = await this.run(() => this.redis.type(key));
    if (type === 'hash') return this.hash(key);
    const flat = await this.run(() => this.redis.zrange(key, 0, -1, 'WITHSCORES'));
    const out: Record<string, number> = {};
    for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = Number(flat[i + 1]);
    return out;
  }

  async replaceSummary(key: string, content: Map<string, number>): Promise<void> {
    const tx = this.redis.multi().del(key);
    if (content.size === 0) tx.srem(K.summaryKeys, this.prefix + key);
    else {
      const pairs = [...content];
      if (summaryType(key) === 'hash') tx.hset(key, Object.fromEntries(pairs));
      else tx.zadd(key, ...pairs.flatMap(([member, score]) => [score, member]));
      tx.sadd(K.summaryKeys, this.prefix + key);
    }
    await this.run(() => tx.exec());
  }

  async lease(name: string, holder: string, ms: number): Promise<boolean> {
    return (await this.run(() => this.redis.magiLease(`lease:${name}`, holder, ms))) === 1;
  }

  async readJournal(limit: number): Promise<LedgerEntry[]> {
    const rows = await this.run(() => this.redis.xrange(K.journal, '-', '+', 'COUNT', limit));
    return rows.map(([, fields]) => JSON.parse(fields[1]!) as LedgerEntry);
  }

  async ackJournal(throughSeq: number): Promise<void> {
    await this.run(() => this.redis.xtrim(K.journal, 'MINID', `${throughSeq + 1}-0`));
  }

  async lastSeq(): Promise<number> {
    return Number((await this.run(() => this.redis.get(K.seq))) ?? 0);
  }

  async restore(): Promise<void> {
    // Redis keeps its own state across magi restarts: nothing to re-apply.
  }

  async close(): Promise<void> {
    // The connection belongs to the engines, which close it.
  }

  private outcome<E extends LedgerEntry>(reply: Reply): ApplyResult<E> {
    const [status, a, b] = reply;
    switch (status) {
      case 'applied':
      case 'replayed':
        return { status, entry: JSON.parse(a!) as E };
      case 'conflict':
        return { status };
      case 'insufficient':
        return { status, balance: Number(a) };
      case 'overflow':
        return { status, counter: a as keyof Wallet, uid: b! };
      default:
        throw new Error(`unexpected reply from the bank script: ${status}`);
    }
  }

  /** One of the bank's scripts, on this turn's pipeline. */
  private scripted(add: (pipeline: ScriptedPipeline) => void): Promise<Reply> {
    return this.run(() => this.pipeline.run<Reply>((p) => add(p as ScriptedPipeline)));
  }

  /** A Redis that does not answer is a 503; a script error stays what it is. */
  private run<R>(op: () => Promise<R>): Promise<R> {
    return guardRedis(op());
  }
}

/** The draft's JSON without its closing brace: the script appends what it assigns. */
function openJson(draft: object): string {
  return JSON.stringify(draft).slice(0, -1);
}
