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
      let found = 0;
      for (const region of this.regions()) {
        try {
          found += await this.batch(region);
        } catch (err) {
          // A database outage must not kill the loop: wait, then try again.
          this.log.error(`batch in region ${region} failed: ${(err as Error).message}`);
        }
      }
      if (found === 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.idleMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }
}
