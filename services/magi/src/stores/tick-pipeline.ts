// Commands issued during one turn of the event loop go to Redis as one
// pipeline: a burst of gift sends costs one socket write (and one read of
// the replies) per turn instead of one per gift — on loopback each write is
// a system call that also runs the TCP path and wakes Redis. The same idea
// as ioredis' enableAutoPipelining, kept to the bank's hot path. Each
// command is still its own step on Redis (a script stays atomic); they just
// travel together, and each caller gets its own reply or error.
import type { ChainableCommander, Redis } from 'ioredis';

interface Queued {
  add(pipeline: ChainableCommander): void;
  resolve(reply: unknown): void;
  reject(err: unknown): void;
}

export class TickPipeline {
  private queued: Queued[] = [];

  constructor(private readonly redis: Redis) {}

  /** Queues the command that `add` puts on the pipeline; resolves with its reply. */
  run<R>(add: (pipeline: ChainableCommander) => void): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      // setImmediate, not nextTick: it runs after every I/O callback of this
      // turn, so requests read from different sockets share one pipeline.
      if (this.queued.push({ add, resolve: resolve as (reply: unknown) => void, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = [];
    const pipeline = this.redis.pipeline();
    for (const q of batch) q.add(pipeline);
    pipeline.exec().then(
      (replies) => {
        batch.forEach((q, i) => {
          const [err, reply] = replies?.[i] ?? [new Error('Redis returned no reply for a pipelined command'), null];
          if (err) q.reject(err);
          else q.resolve(reply);
        });
      },
      (err: unknown) => {
        for (const q of batch) q.reject(err);
      },
    );
  }
}
