// Merges one room's messages over a short window into one write, as goim's
// job does: the first message after a quiet spell goes out at once, the ones
// that follow within the window go out together when it ends. A busy room
// costs one frame per connection per window, not one per message. A
// delivery may be asynchronous (a big room yields to other I/O while it
// writes); windows of one room never overlap, so members see them in order.
import type { RoomMessage } from '../stores/room-bus.js';

export class RoomBatcher {
  private pending: RoomMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private delivering = false;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  /** When the oldest pending message came. */
  private firstPendingAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly deliver: (messages: RoomMessage[]) => void | Promise<void>,
  ) {}

  add(message: RoomMessage): void {
    if (this.pending.length === 0) this.firstPendingAt = Date.now();
    this.pending.push(message);
    // A delivery under way schedules the next window when it ends.
    if (!this.timer && !this.delivering) this.schedule();
  }

  /** Delivers what is pending now, unless a delivery is under way (also used before the room is dropped). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.delivering) return;
    const messages = this.pending;
    this.pending = [];
    const done = this.deliver(messages);
    if (!done) return this.delivered();
    this.delivering = true;
    const settle = () => {
      this.delivering = false;
      this.delivered();
    };
    void done.then(settle, settle);
  }

  // A message waits at most one window: the room quiet for a window, or the
  // oldest pending message here for one (it came while a long delivery ran),
  // means go now.
  private schedule(): void {
    const now = Date.now();
    const waited = Math.max(now - this.lastFlushAt, now - this.firstPendingAt);
    if (waited >= this.windowMs) this.flush();
    else this.timer = setTimeout(() => this.flush(), this.windowMs - waited);
  }

  // The next window starts when this delivery ends: writing to a big room can take
  // longer than the window, and counting from its start would make every later
  // message look like the first after a quiet spell and go out alone.
  private delivered(): void {
    this.lastFlushAt = Date.now();
    if (this.pending.length > 0 && !this.timer) this.schedule();
  }
}
