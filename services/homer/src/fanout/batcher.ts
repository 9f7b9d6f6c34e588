// Merges one room's messages over a short window into one write, as goim's
// job does: the first message after a quiet spell goes out at once, the ones
// that follow within the window go out together when it ends. A busy room
// costs one frame per connection per window, not one per message.
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
    const quietFor = Date.now() - this.lastFlushAt;
    if (quietFor >= this.windowMs) this.flush();
    else this.timer = setTimeout(() => this.flush(), this.windowMs - quietFor);
  }

  /** Delivers what is pending now (also used before the room is dropped). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const messages = this.pending;
    this.pending = [];
    this.deliver(messages);
    // The next window starts when this delivery ends: writing to a big room can take
    // longer than the window, and counting from its start would make every later
    // message look like the first after a quiet spell and go out alone.
    this.lastFlushAt = Date.now();
  }
}
