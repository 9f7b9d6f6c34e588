// One window's messages for a group of connections (a room's shard, or
// everyone), serialised at most once per variant and shared by every
// receiver: the full frame, and the lean one without low-priority messages
// for connections that are behind.
import { messagesFrame } from '../protocol/messages.js';
import type { RoomMessage } from '../stores/room-bus.js';

export class Outgoing {
  readonly count: number;
  readonly lowCount: number;
  private full: Buffer | undefined;
  private lean: Buffer | null | undefined;

  constructor(readonly messages: readonly RoomMessage[]) {
    this.count = messages.length;
    let low = 0;
    for (const m of messages) if (m.priority === 'low') low++;
    this.lowCount = low;
  }

  frame(): Buffer {
    return (this.full ??= messagesFrame(this.messages));
  }

  /** The frame without low-priority messages; null when none is left. */
  leanFrame(): Buffer | null {
    if (this.lean === undefined) {
      if (this.lowCount === 0) this.lean = this.frame();
      else if (this.lowCount === this.count) this.lean = null;
      else this.lean = messagesFrame(this.messages.filter((m) => m.priority !== 'low'));
    }
    return this.lean;
  }
}
