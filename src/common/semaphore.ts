/**
 * At most `limit` holders at a time; the others wait their turn, first come first served.
 *
 * `overdueMs`: a holder that has held its place that long stops counting (it keeps running), and
 * the next in line starts: one that stalls (a client that stopped sending) delays the others by
 * at most that, instead of for as long as it stays connected.
 */
export class Semaphore {
  private held = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly overdueMs?: number,
  ) {}

  /** Holders waiting for a place. */
  get waiting(): number {
    return this.queue.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.held++;
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      // The place goes straight to the next in line, so nobody arriving meanwhile overtakes it.
      const next = this.queue.shift();
      if (next) next();
      else this.held--;
    };
    const overdue = this.overdueMs === undefined ? undefined : setTimeout(release, this.overdueMs).unref();
    try {
      return await work();
    } finally {
      clearTimeout(overdue);
      release();
    }
  }
}
