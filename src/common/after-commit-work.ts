import type { Logger } from '@nestjs/common';
import { afterCommit } from '../database/unit-of-work';

/**
 * Work a change sets off once it has committed (an assignment, an automatic reply, a survey), run
 * in the background: the change never waits for it nor fails because of it (a failure is logged
 * with `what`), and `settled()` waits for all of it (tests, shutdown).
 */
export class AfterCommitWork {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  /** Runs `work` once the current unit of work commits (at once outside one). */
  start(tenantId: string, work: () => Promise<unknown>, onFailure = ''): void {
    afterCommit(() => {
      const run = work()
        .catch((err) => this.log.warn(`${this.what} in ${tenantId} failed: ${(err as Error).message}${onFailure}`))
        .finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    });
  }

  /** Resolves once everything started so far is done, including what that started meanwhile. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
