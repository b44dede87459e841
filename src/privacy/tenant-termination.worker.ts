import { Injectable, Logger } from '@nestjs/common';
import { WorkSignal } from '../common/work-signal';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue, backoffMs } from '../ingest/job-queue';
import { QueueWorker } from '../ingest/queue-worker';
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
    try {
      const progress = await this.termination.purge({ tenantId: job.tenantId, region }, (this.settings.workerLeaseSeconds * 1000) / 2);
      if (progress === 'done') await this.dbs.region(region).query(`delete from queue.jobs where id = $1`, [job.id]);
      else await this.queue.retryLater(region, job.id, 0);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this.log.warn(`termination of tenant ${job.tenantId} failed on attempt ${job.attempts} (${e.code ?? 'error'}: ${e.message ?? ''}); retrying`);
      await this.queue.retryLater(region, job.id, backoffMs(job.attempts)).catch(() => undefined); // else the lease runs out and it is claimed again
    }
  }
}
