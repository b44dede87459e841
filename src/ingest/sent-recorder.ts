import type { TenantRef } from '../../libs/domain/src';
import type { ClaimedJob } from '../queue/job-queue.service';

/** A send the platform accepted, waiting to be recorded. */
export interface SentOutcome {
  job: ClaimedJob;
  messageId: string;
  externalId: string;
}

/**
 * Records the sends of one batch in groups, per tenant: while one group's transaction runs, the
 * sends that succeed meanwhile gather for the next, so the platform ids, the jobs' removal and
 * the status events of many sends commit together (one commit and a handful of statements instead
 * of those per send), and a sending lane never waits for the database. `record` writes one group
 * (in one unit of work); when it fails, `fallback` deals with each send of the group on its own
 * (so one job taken over by another instance does not undo the record of the others).
 */
export class SentRecorder {
  private readonly waiting = new Map<string, { tenant: TenantRef; outcomes: SentOutcome[] }>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly record: (tenant: TenantRef, outcomes: SentOutcome[]) => Promise<void>,
    private readonly fallback: (tenant: TenantRef, outcome: SentOutcome) => Promise<void>,
  ) {}

  add(tenant: TenantRef, outcome: SentOutcome): void {
    const key = `${tenant.region}:${tenant.tenantId}`;
    const group = this.waiting.get(key);
    if (group) group.outcomes.push(outcome);
    else this.waiting.set(key, { tenant, outcomes: [outcome] });
    if (!this.running.has(key)) this.flush(key);
  }

  /** Resolves once every send added so far is recorded (or dealt with one by one). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private flush(key: string): void {
    const run = (async () => {
      // A turn's worth of sends gather before the first group goes.
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (let group = this.take(key); group; group = this.take(key)) {
        const { tenant, outcomes } = group;
        try {
          await this.record(tenant, outcomes);
        } catch {
          for (const outcome of outcomes) await this.fallback(tenant, outcome);
        }
      }
    })().finally(() => {
      this.running.delete(key);
      // Added between the last take and now.
      if (this.waiting.has(key)) this.flush(key);
    });
    this.running.set(key, run);
  }

  private take(key: string): { tenant: TenantRef; outcomes: SentOutcome[] } | undefined {
    const group = this.waiting.get(key);
    this.waiting.delete(key);
    return group;
  }
}
