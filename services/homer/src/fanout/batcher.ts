// Merges the global stream's messages over a short window into one write, as
// goim's job does: the first message after a quiet spell goes out at once,
// the ones that follow within the window go out together when it ends. A busy
// stream costs one frame per connection per window, not one per message.
// (Rooms go round their members instead: room-fanout.ts.)
import type { RoomMessage } from '../stores/room-bus.js';

export class RoomBatcher {
  private pending: RoomMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly deliver: (messages: RoomMessage[]) => void,
  ) {}

  add(message: RoomMessage): void {
    this.pending.push(message);
    if (this.timer) return;
    const wait = this.lastFlushAt + this.windowMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    const messages = this.pending;
    this.pending = [];
    this.deliver(messages);
    // The next window starts when this delivery ends: writing to many
    // connections can take longer than the window, and counting from its
    // start would make every later message look like the first after a quiet
    // spell and go out alone.
    this.lastFlushAt = Date.now();
  }
}
