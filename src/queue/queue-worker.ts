import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { RegionDatabases, asReplayableWork } from '../database/region-databases';
import { ClaimedJob, JobKind, JobQueue, LeaseLost, backoffMs } from './job-queue.service';
import { WorkSignal } from './work-signal.service';
import { WorkerLoop } from './worker-loop';

/** What a failure may ask for: not to be tried again before this long (a platform's Retry-After). */
export interface RetryHint {
  readonly retryAfterMs?: number;
}

const retryAfterOf = (failure: unknown): number => (failure as RetryHint | null)?.retryAfterMs ?? 0;

/** A claimed batch being worked on, whose leases the heartbeat renews and a shutdown releases. */
interface InFlight {
  region: string;
  jobs: ClaimedJob[];
}

/**
 * A worker for one kind of queue job: claims batches in every region, hands each job to
 * `handle`, runs in the background when WORKERS is on, and wakes up when this instance
 * enqueued work. `drain` processes everything due now (tests and tools).
 *
 * The retry-or-park bookkeeping lives here, once: a job whose `handle` throws is tried again
 * after an exponential backoff (longer if the failure carries a `retryAfterMs`) until it has
 * been attempted `maxAttempts` times; then `park` records why it gave up, in the transaction that
 * ends the job. Subclasses say what a failure means (`park`, and optionally `retryDelayMs`,
 * `attemptsOf`, `noteRetry`), never how a job is retried.
 *
 * Failover: while a batch runs, a heartbeat renews its leases every third of a lease, so only a
 * dead (or frozen) instance's jobs expire and are claimed elsewhere. A job whose lease was lost
 * anyway is not ended here (LeaseLost: its new holder ends it). On shutdown the worker stops
 * claiming, lets the batch in hand finish for up to SHUTDOWN_GRACE_MS, then hands back what is
 * still running, uncounted, for another instance to take at once.
 */
export abstract class QueueWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected abstract readonly kind: JobKind;
  protected abstract readonly batchSize: number;
  /** Attempts after which a failing job is parked; Infinity retries until it succeeds. */
  protected abstract readonly maxAttempts: number;
  /** Jobs of a batch handled at once; handlers must then be safe to run side by side. */
  protected readonly concurrency: number = 1;
  /** Minimum time between the starts of batches that were not full (see WorkerLoop). */
  protected readonly paceMs: number = 0;
  /**
   * Every write of the work (claim included) can be redone from a durable source without harm,
   * so it may commit without waiting for the disk (see asReplayableWork). Not for sending.
   */
  protected readonly replayable: boolean = false;
  private readonly bookkeepingLog = new Logger(this.constructor.name);
  private loop?: WorkerLoop;
  private unsubscribe?: () => void;
  private readonly inFlight = new Set<InFlight>();

  constructor(
    protected readonly dbs: RegionDatabases,
    protected readonly queue: JobQueue,
    private readonly signal: WorkSignal,
    private readonly config: AppConfig,
  ) {}

  /**
   * Does the job and, when it succeeded, ends it (`finish`). Throwing means "this attempt
   * failed": the job is retried or parked (see the class comment).
   */
  protected abstract handle(region: string, job: ClaimedJob): Promise<void>;

  /** Records why a job gave up, inside the transaction that ends it. By default nothing: the job just ends. */
  protected park(_tx: EntityManager, _tenant: TenantRef, _job: ClaimedJob, _failure: unknown): Promise<void> {
    return Promise.resolve();
  }

  /** How long to wait before the next attempt, after `attempts` of them. */
  protected retryDelayMs(attempts: number, failure: unknown): number {
    return Math.max(backoffMs(attempts), retryAfterOf(failure));
  }

  /** The attempts that count against `maxAttempts` (by default the job's claims). */
  protected attemptsOf(job: ClaimedJob, _failure: unknown): number {
    return job.attempts;
  }

  /**
   * Records a failed attempt that will be retried, in the transaction that hands the job back
   * (e.g. a delivery log's next attempt). Without it the job is handed back in one statement.
   */
  protected noteRetry?(tx: EntityManager, tenant: TenantRef, job: ClaimedJob, failure: unknown, delayMs: number): Promise<void>;

  /**
   * Ends the job: what `record` writes (its outcome) and the job's removal commit together, in
   * one unit of work (ports called inside join it; events go out after COMMIT).
   */
  protected finish(tenant: TenantRef, job: ClaimedJob, record?: (tx: EntityManager) => Promise<void>): Promise<void> {
    return this.dbs.unitOfWork(tenant, async (tx) => {
      if (record) await record(tx);
      await this.queue.complete(tx, job);
    });
  }

  /** Runs one attempt of `work` on the job; a throw is retried or parked. Never throws. */
  protected async attempt(region: string, job: ClaimedJob, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (failure) {
      if (failure instanceof LeaseLost) this.bookkeepingLog.warn(`${this.kind} job for ${job.refId}: ${failure.message}`);
      else await this.retryOrPark(region, job, failure);
    }
  }

  private async retryOrPark(region: string, job: ClaimedJob, failure: unknown): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    const attempts = this.attemptsOf(job, failure);
    try {
      if (attempts >= this.maxAttempts) {
        await this.finish(tenant, job, (tx) => this.park(tx, tenant, job, failure));
        return;
      }
      const delayMs = this.retryDelayMs(attempts, failure);
      const note = this.noteRetry?.bind(this);
      if (note) {
        await this.dbs.forTenant(tenant, async (tx) => {
          await note(tx, tenant, job, failure, delayMs);
          await this.queue.retryLaterIn(tx, job, delayMs);
        });
      } else {
        await this.queue.retryLater(region, job, delayMs);
      }
    } catch (err) {
      // The lease runs out and another claim tries again.
      this.bookkeepingLog.error(`${this.kind} job for ${job.refId}: could not retry or park it: ${(err as Error).message}`);
    }
  }

  onApplicationBootstrap(): void {
    if (!this.config.workersEnabled) return;
    this.loop = new WorkerLoop(
      this.constructor.name,
      () => this.dbs.regions(),
      (region) => this.runBatch(region),
      this.config.workerIdleMs,
      {
        paceMs: this.paceMs,
        batchSize: this.batchSize,
      },
    );
    const unsubscribe = this.signal.subscribe(this.kind, () => this.loop?.wake());
    const unsubscribeStop = this.signal.whenStopping(() => void this.loop?.stop());
    this.unsubscribe = () => {
      unsubscribe();
      unsubscribeStop();
    };
    this.loop.start();
  }

  /** Before the database pools close: stop claiming, let the batch in hand end, within the grace period. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.loop) return;
    const deadline = this.signal.stopping(this.config.shutdownGraceMs);
    this.unsubscribe?.();
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.loop.stop().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), deadline - Date.now()))),
    ]);
    clearTimeout(timer);
    if (!stopped) await this.releaseInFlight();
  }

  /** Hands back every job still being worked on (uncounted): another instance claims them at once. */
  async releaseInFlight(): Promise<void> {
    for (const batch of [...this.inFlight]) {
      this.inFlight.delete(batch);
      await this.queue
        .release(batch.region, batch.jobs)
        .then(() => this.bookkeepingLog.warn(`${this.kind}: handed back ${batch.jobs.length} unfinished job(s) at shutdown`))
        .catch((err: Error) => this.bookkeepingLog.error(`${this.kind}: could not hand back unfinished jobs (their leases run out instead): ${err.message}`));
    }
  }

  async drain(): Promise<number> {
    let total = 0;
    for (const region of this.dbs.regions()) {
      for (let n = await this.runBatch(region); n > 0; n = await this.runBatch(region)) total += n;
    }
    return total;
  }

  runBatch(region: string): Promise<number> {
    const run = async () => {
      const jobs = await this.queue.claim(region, this.kind, this.batchSize);
      if (jobs.length > 0) await this.withHeartbeat(region, jobs, () => this.handleBatch(region, jobs));
      return jobs.length;
    };
    return this.replayable ? asReplayableWork(run) : run();
  }

  /** Renews the batch's leases while `work` runs (a missed beat is retried at the next one). */
  private async withHeartbeat(region: string, jobs: ClaimedJob[], work: () => Promise<void>): Promise<void> {
    const batch: InFlight = { region, jobs };
    this.inFlight.add(batch);
    const beat = setInterval(
      () => {
        void this.queue.renew(region, jobs).catch((err: Error) => this.bookkeepingLog.warn(`${this.kind}: lease renewal failed: ${err.message}`));
      },
      Math.max(200, (this.config.workerLeaseSeconds * 1000) / 3),
    );
    try {
      await work();
    } finally {
      clearInterval(beat);
      this.inFlight.delete(batch);
    }
  }

  /** A claimed batch; by default each job on its own, `concurrency` at a time. Must not throw. */
  protected handleBatch(region: string, jobs: ClaimedJob[]): Promise<void> {
    return inLanes(jobs, this.concurrency, (job) => this.attempt(region, job, () => this.handle(region, job)));
  }
}

/** Items by key, each group in the order the items came. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/**
 * Runs `work` over `items`, at most `width` at a time, except that items of the same key run one
 * after another in the order they came (work whose outcome depends on its order keeps it).
 */
export function inKeyedLanes<T>(items: readonly T[], keyOf: (item: T) => string, width: number, work: (item: T) => Promise<void>): Promise<void> {
  return inLanes([...groupBy(items, keyOf).values()], width, async (group) => {
    for (const item of group) await work(item);
  });
}

/** Runs `work` over `items`, at most `width` at a time. */
export async function inLanes<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}
