// "Does this room exist?" on the play path, asked of villa at most once per
// room every `ttlMs` (answers of both kinds are kept; concurrent misses for
// one room share one call). Rooms are rarely deleted, so a short staleness
// is harmless; villa being down is a 503 only for rooms not seen lately.
export class RoomCache {
  readonly #answers = new Map<string, { exists: boolean; at: number }>();
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(
    private readonly ask: (roomId: string) => Promise<boolean>,
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly maxEntries = 100_000,
  ) {}

  async exists(roomId: string): Promise<boolean> {
    const known = this.#answers.get(roomId);
    if (known && this.now() - known.at < this.ttlMs) return known.exists;
    let pending = this.#pending.get(roomId);
    if (!pending) {
      pending = this.ask(roomId).then(
        (exists) => {
          if (this.#answers.size >= this.maxEntries) this.#answers.clear();
          this.#answers.set(roomId, { exists, at: this.now() });
          return exists;
        },
        (error: unknown) => {
          // A room seen lately still plays while villa is away.
          if (known?.exists) return true;
          throw error;
        },
      );
      pending.finally(() => this.#pending.delete(roomId)).catch(() => undefined);
      this.#pending.set(roomId, pending);
    }
    return pending;
  }
}
