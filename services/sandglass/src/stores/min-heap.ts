// A binary min-heap of (deadline, uid, source): the memory adapter's reaping
// order, the in-process twin of the Redis sorted set of deadlines. The two
// names are kept apart (not joined into one string) so an entry allocates
// nothing the session does not already hold.
export class DeadlineHeap {
  private readonly at: number[] = [];
  private readonly ids: string[] = [];
  private readonly tags: string[] = [];

  get size(): number {
    return this.at.length;
  }

  push(deadline: number, uid: string, source: string): void {
    this.at.push(deadline);
    this.ids.push(uid);
    this.tags.push(source);
    let i = this.at.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at[parent]! <= this.at[i]!) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The earliest deadline, or Infinity when empty. */
  peek(): number {
    return this.at.length > 0 ? this.at[0]! : Infinity;
  }

  pop(): { deadline: number; uid: string; source: string } | undefined {
    if (this.at.length === 0) return undefined;
    const top = { deadline: this.at[0]!, uid: this.ids[0]!, source: this.tags[0]! };
    const lastAt = this.at.pop()!;
    const lastId = this.ids.pop()!;
    const lastTag = this.tags.pop()!;
    if (this.at.length > 0) {
      this.at[0] = lastAt;
      this.ids[0] = lastId;
      this.tags[0] = lastTag;
      this.sink(0);
    }
    return top;
  }

  private sink(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < this.at.length && this.at[l]! < this.at[min]!) min = l;
      if (r < this.at.length && this.at[r]! < this.at[min]!) min = r;
      if (min === i) return;
      this.swap(i, min);
      i = min;
    }
  }

  private swap(a: number, b: number): void {
    [this.at[a], this.at[b]] = [this.at[b]!, this.at[a]!];
    [this.ids[a], this.ids[b]] = [this.ids[b]!, this.ids[a]!];
    [this.tags[a], this.tags[b]] = [this.tags[b]!, this.tags[a]!];
  }
}
