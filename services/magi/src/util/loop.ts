// A background loop over one step: again at once while the step says more
// work is waiting, else after an idle pause (which lets work gather into
// bigger batches) or when woken, and after a growing backoff while it fails.
// The ledger flusher and the broadcast outbox run on it.

export interface LoopOptions {
  /** One pass; resolves true when more work may be waiting already (run again at once). */
  step(): Promise<boolean>;
  idleMs: number;
  /** The pause after the nth failure in a row. */
  backoffMs(failures: number): number;
  /** Each failure, to be logged; the loop goes on. */
  onError(err: unknown, failures: number): void;
}

export class Loop {
  private running = false;
  private done: Promise<void> | undefined;
  private failures = 0;
  /** Ends the current pause early; set while pausing. */
  private interrupt: (() => void) | undefined;
  /** wake() came while a step ran: the next idle pause is skipped. */
  private woken = false;

  constructor(private readonly options: LoopOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.run();
  }

  /** Resolves once the step under way (if any) has finished; no step runs after. */
  async stop(): Promise<void> {
    this.running = false;
    this.interrupt?.();
    await this.done;
  }

  /** Work is waiting: end an idle pause now. A backoff after a failure still runs its course. */
  wake(): void {
    if (this.failures > 0) return;
    if (this.interrupt) this.interrupt();
    else this.woken = true;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let more = false;
      try {
        more = await this.options.step();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.options.onError(err, this.failures);
      }
      if (this.failures === 0 && (more || this.woken)) {
        this.woken = false;
        continue;
      }
      await this.pause(this.failures > 0 ? this.options.backoffMs(this.failures) : this.options.idleMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.interrupt = end;
    });
  }
}
