// Bounded concurrency for generation: at most `active` requests sample at once, at most `queue` more wait in
// arrival order; a request beyond that is refused at once (the caller answers 429), so the server never holds
// an unbounded backlog.

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly active: number,
    readonly queue: number,
  ) {
    if (!(active >= 1)) throw new Error('limiter: active must be at least 1');
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `fn` when a slot is free; throws QueueFullError when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.active) {
      if (this.waiting.length >= this.queue)
        throw new QueueFullError(
          `the server is busy: ${this.running} requests running and ${this.waiting.length} waiting`,
        );
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // hand the slot over: running stays the same
      else this.running--;
    }
  }
}
