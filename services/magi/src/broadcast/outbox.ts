// The gift broadcast, at least once: the ledger is the outbox. Every gift is
// stored with broadcast:false; this loop posts the oldest ones to homer
// (POST /internal/broadcast/room, idempotencyKey `gift:<txId>`, which homer
// delivers once however often it is posted) and flags those homer accepted.
// A crash between the post and the flag means one more post, never a lost or
// doubled message in the room. Combos travel as comboId + running comboCount:
// clients show one combo message per comboId.
import { z, type Logger, type ServiceClient } from '@bamboo/kit';
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
    return this.homer.call('POST', '/internal/broadcast/room', {
      body: {
        roomId: gift.roomId,
        type: 'gift',
        priority: 'high',
        body: broadcastBody(gift),
        idempotencyKey: `gift:${gift._id}`,
      },
      idempotencyKey: `gift:${gift._id}`,
      schema: Accepted,
    });
  }
}
