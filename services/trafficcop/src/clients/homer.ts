// homer's internal contract as trafficcop uses it: a notice to everyone in a
// room (`POST /internal/broadcast/room`), delivered once per idempotency key.
import { createServiceClient, z } from '@bamboo/kit';

const Accepted = z.object({ seq: z.number() });

export interface HomerClient {
  /** A high-priority system message to the room; returns homer's sequence number. */
  roomNotice(roomId: string, body: Record<string, unknown>, idempotencyKey: string): Promise<number>;
}

export function createHomerClient(options: { baseUrl: string; internalKey: string; timeoutMs: number }): HomerClient {
  const client = createServiceClient({
    target: 'homer',
    caller: 'trafficcop',
    baseUrl: options.baseUrl,
    internalKey: options.internalKey,
    timeoutMs: options.timeoutMs,
  });
  return {
    async roomNotice(roomId, body, idempotencyKey) {
      const answer = await client.call('POST', '/internal/broadcast/room', {
        body: { roomId, type: 'system', priority: 'high', body, idempotencyKey },
        schema: Accepted,
        idempotencyKey,
      });
      return answer.seq;
    },
  };
}
