// A binary min-heap of (deadline, uid): the memory adapter's reaping order,
// the in-process twin of the Redis sorted set of deadlines.
export class DeadlineHeap {
  private readonly at: number[] = [];
  private readonly ids: string[] = [];

  get size(): number {
    return this.at.length;
  }

  push(deadline: number, uid: string): void {
    this.at.push(deadline);
    this.ids.push(uid);
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

  pop(): { deadline: number; uid: string } | undefined {
    if (this.at.length === 0) return undefined;
    const top = { deadline: this.at[0]!, uid: this.ids[0]! };
    const lastAt = this.at.pop()!;
    const lastId = this.ids.pop()!;
    if (this.at.length > 0) {
      this.at[0] = lastAt;
      this.ids[0] = lastId;
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
  }
}
