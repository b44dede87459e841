import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue } from '../queue/job-queue.service';
import { QueueWorker } from '../queue/queue-worker';
import { WorkSignal } from '../queue/work-signal.service';
import { TenantTerminationService } from './tenant-termination.service';

/**
 * Runs tenant terminations from the queue until each one finishes. A failed run (a deadlock
 * with webhooks still arriving, a database restart) is retried with backoff, forever: giving up
 * would leave a half-deleted organization. A long purge hands its job back every half lease, so
 * no other instance takes it over while it runs.
 */
@Injectable()
export class TenantTerminationWorker extends QueueWorker {
  protected readonly kind = 'termination';
  protected readonly batchSize = 1;
  protected readonly maxAttempts = Infinity;
  private readonly log = new Logger(TenantTerminationWorker.name);

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    private readonly settings: AppConfig,
    private readonly termination: TenantTerminationService,
  ) {
    super(dbs, queue, signal, settings);
  }

  protected async handle(region: string, job: ClaimedJob): Promise<void> {
    const tenant = { tenantId: job.tenantId, region };
    try {
      const progress = await this.termination.purge(tenant, (this.settings.workerLeaseSeconds * 1000) / 2);
      if (progress === 'done') await this.finish(tenant, job);
      else await this.queue.retryLater(region, job, 0); // more to do: at once, under a fresh lease
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this.log.warn(`termination of tenant ${job.tenantId} failed on attempt ${job.attempts} (${e.code ?? 'error'}: ${e.message ?? ''}); retrying`);
      throw err;
    }
  }
}
