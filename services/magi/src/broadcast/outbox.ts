// The gift broadcast, at least once: the ledger is the outbox. Every gift is
// stored with broadcast:false; this loop posts the oldest ones to homer in
// one call (POST /internal/broadcast/rooms, each with idempotencyKey
// `gift:<txId>`, which homer delivers once however often it is posted) and
// flags those homer accepted. A crash between the post and the flag means one
// more post, never a lost or doubled message in the room. A batch homer
// refuses as bad input (or an older homer without the batch route) is sent
// one gift per call (POST /internal/broadcast/room), so one bad gift does not
// hold the others back. Combos travel as comboId + running comboCount:
// clients show one combo message per comboId.
import { AppError, z, type Logger, type ServiceClient } from '@bamboo/kit';
import type { GiftEntry, LedgerDoc } from '../ledger/entry.js';
import type { LedgerRepo } from '../stores/ledger.repo.js';
import { Loop } from '../util/loop.js';

export interface BroadcasterOptions {
  idleMs: number;
  concurrency: number;
  logger: Logger;
}

const BATCH = 200;
const MAX_BACKOFF_MS = 5_000;
const Accepted = z.object({ seq: z.number() });
const AcceptedAll = z.object({ seqs: z.array(z.number()) });

export function broadcastBody(gift: GiftEntry): Record<string, unknown> {
  return {
    txId: gift._id,
    fromUid: gift.fromUid,
    toUid: gift.toUid,
    giftId: gift.giftId,
    giftName: gift.giftName,
    iconImageId: gift.iconImageId,
    effectLevel: gift.effectLevel,
    count: gift.count,
    amount: gift.amount,
    comboId: gift.comboId,
    comboCount: gift.comboCount,
    at: gift.at,
  };
}

export class Broadcaster {
  private readonly loop: Loop;

  constructor(
    private readonly ledger: LedgerRepo,
    private readonly homer: ServiceClient,
    private readonly options: BroadcasterOptions,
  ) {
    this.loop = new Loop({
      step: async () => (await this.sendOnce()) >= BATCH,
      idleMs: options.idleMs,
      backoffMs: (failures) => Math.min(options.idleMs * 2 ** failures, MAX_BACKOFF_MS),
      onError: (err, failures) => {
        // While homer is down this fails every few seconds: log the first and then every 20th.
        if (failures === 1 || failures % 20 === 0) {
          options.logger.warn({ err, failures }, 'broadcasting gifts to homer failed; retrying');
        }
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass over the outbox; returns how many gifts homer accepted. */
  async sendOnce(): Promise<number> {
    const pending = (await this.ledger.unbroadcast(BATCH)) as Array<LedgerDoc & GiftEntry>;
    if (pending.length === 0) return 0;
    try {
      await this.homer.call('POST', '/internal/broadcast/rooms', { body: { messages: pending.map(message) }, schema: AcceptedAll });
      await this.ledger.markBroadcast(pending.map((gift) => gift._id));
      return pending.length;
    } catch (error) {
      if (!(error instanceof AppError && error.status >= 400 && error.status < 500)) throw error;
      return this.sendOneByOne(pending);
    }
  }

  private async sendOneByOne(pending: Array<LedgerDoc & GiftEntry>): Promise<number> {
    const accepted: string[] = [];
    let failed: unknown;
    for (let i = 0; i < pending.length; i += this.options.concurrency) {
      const slice = pending.slice(i, i + this.options.concurrency);
      const results = await Promise.allSettled(slice.map((gift) => this.post(gift)));
      results.forEach((r, j) => (r.status === 'fulfilled' ? accepted.push(slice[j]!._id) : (failed ??= r.reason)));
    }
    await this.ledger.markBroadcast(accepted);
    if (failed) throw failed;
    return accepted.length;
  }

  private post(gift: GiftEntry): Promise<unknown> {
    return this.homer.call('POST', '/internal/broadcast/room', { body: message(gift), idempotencyKey: `gift:${gift._id}`, schema: Accepted });
  }
}

/** A gift as a room broadcast for homer. */
function message(gift: GiftEntry) {
  return { roomId: gift.roomId, type: 'gift', priority: 'high', body: broadcastBody(gift), idempotencyKey: `gift:${gift._id}` };
}
