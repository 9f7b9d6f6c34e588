// A FIFO async mutex: the embedded store serialises a collection's writes
// through one, so read-then-write sequences (upsert, findOneAndUpdate) are
// atomic within the process.
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs fn once every earlier holder has finished; a failure does not block later ones. */
  run<R>(fn: () => Promise<R>): Promise<R> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
