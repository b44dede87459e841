import { Logger } from '@nestjs/common';

/**
 * Runs `batch` for each region until it finds no work, then waits `idleMs` or until woken.
 * Several instances may run the same loop: the queue's SKIP LOCKED claims keep them apart.
 */
export class WorkerLoop {
  private readonly log: Logger;
  private stopped = true;
  private wakeUp?: () => void;
  private running?: Promise<void>;

  constructor(
    name: string,
    private readonly regions: () => string[],
    private readonly batch: (region: string) => Promise<number>,
    private readonly idleMs: number,
    /**
     * With work trickling in, start batches at most this often: each batch costs a fixed number
     * of statements, so gathering a little more per batch spends less of the database per job.
     * A full batch (`batchSize` jobs) means a backlog: the next one starts at once.
     */
    private readonly pacing: { paceMs: number; batchSize: number } = { paceMs: 0, batchSize: Infinity },
  ) {
    this.log = new Logger(name);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      let found = 0;
      let full = false;
      for (const region of this.regions()) {
        try {
          const n = await this.batch(region);
          found += n;
          if (n >= this.pacing.batchSize) full = true;
        } catch (err) {
          // A database outage must not kill the loop: wait, then try again.
          this.log.error(`batch in region ${region} failed: ${(err as Error).message}`);
        }
      }
      if (this.stopped) break;
      if (found === 0) await this.pause(this.idleMs, true);
      else if (!full && this.pacing.paceMs > 0) await this.pause(started + this.pacing.paceMs - Date.now(), false);
    }
  }

  /** Waits `ms`; new work cuts the wait short only when `wakeable`, stopping always does. */
  private async pause(ms: number, wakeable: boolean): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        if (!wakeable && !this.stopped) return;
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }
}
