import { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { WorkSignal } from '../common/work-signal';
import { AppConfig } from '../config/app-config';
import { RegionDatabases, asReplayableWork } from '../database/region-databases';
import { ClaimedJob, JobKind, JobQueue } from './job-queue';
import { WorkerLoop } from './worker-loop';

/**
 * A worker for one kind of queue job: claims batches in every region, hands each job to
 * `handle`, runs in the background when WORKERS is on, and wakes up when this instance
 * enqueued work. `drain` processes everything due now (tests and tools).
 */
export abstract class QueueWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  protected abstract readonly kind: JobKind;
  protected abstract readonly batchSize: number;
  /** Jobs of a batch handled at once; handlers must then be safe to run side by side. */
  protected readonly concurrency: number = 1;
  /** Minimum time between the starts of batches that were not full (see WorkerLoop). */
  protected readonly paceMs: number = 0;
  /**
   * Every write of the work (claim included) can be redone from a durable source without harm,
   * so it may commit without waiting for the disk (see asReplayableWork). Not for sending.
   */
  protected readonly replayable: boolean = false;
  private loop?: WorkerLoop;
  private unsubscribe?: () => void;

  constructor(
    protected readonly dbs: RegionDatabases,
    protected readonly queue: JobQueue,
    private readonly signal: WorkSignal,
    private readonly config: AppConfig,
  ) {}

  /** Must finish the job (complete, retry later or park it); should not throw. */
  protected abstract handle(region: string, job: ClaimedJob): Promise<void>;

  onApplicationBootstrap(): void {
    if (!this.config.workersEnabled) return;
    this.loop = new WorkerLoop(this.constructor.name, () => this.dbs.regions(), (region) => this.runBatch(region), this.config.workerIdleMs, {
      paceMs: this.paceMs,
      batchSize: this.batchSize,
    });
    this.unsubscribe = this.signal.subscribe(this.kind, () => this.loop?.wake());
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.loop?.stop();
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
      if (jobs.length > 0) await this.handleBatch(region, jobs);
      return jobs.length;
    };
    return this.replayable ? asReplayableWork(run) : run();
  }

  /** A claimed batch; by default each job on its own, `concurrency` at a time. Must not throw. */
  protected handleBatch(region: string, jobs: ClaimedJob[]): Promise<void> {
    return inLanes(jobs, this.concurrency, (job) => this.handle(region, job));
  }
}

/** Runs `work` over `items`, at most `width` at a time. */
export async function inLanes<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}
