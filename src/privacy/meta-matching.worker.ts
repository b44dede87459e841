import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue } from '../queue/job-queue.service';
import { QueueWorker } from '../queue/queue-worker';
import { WorkSignal } from '../queue/work-signal.service';
import { DeletionRequestStore } from './deletion-request.store';
import { FIRST_RETRY_MS, MATCHING_JOB, MetaDeletionService } from './meta-deletion.service';

/**
 * Takes up Meta deletion requests whose ID matching failed (Graph 5xx, network, rate limit) or
 * whose run died, until Graph answers and the request completes: exponential backoff from 30 s,
 * capped at 15 minutes, longer when Graph asks (Retry-After). Never parked: a request given up
 * would be data kept against the person's wish; /health counts requests past their deadline.
 * Jobs live in the directory's (default region's) queue under NO_TENANT.
 */
@Injectable()
export class MetaMatchingWorker extends QueueWorker {
  protected readonly kind = MATCHING_JOB;
  protected readonly batchSize = 5;
  protected readonly maxAttempts = Infinity;

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    config: AppConfig,
    private readonly meta: MetaDeletionService,
    private readonly requests: DeletionRequestStore,
  ) {
    super(dbs, queue, signal, config);
  }

  protected async handle(region: string, job: ClaimedJob): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    let ended = false;
    await this.meta.retry(job.refId, {
      done: async (record) => {
        let row: Awaited<ReturnType<typeof record>> | undefined;
        await this.finish(tenant, job, async (tx) => {
          row = await record(tx);
        });
        ended = true;
        return row!;
      },
      // The job backs off when `retry` throws; the status page learns the time in noteRetry.
      later: (record) => this.dbs.directory().transaction(record),
    });
    if (!ended) await this.finish(tenant, job);
  }

  protected retryDelayMs(attempts: number, failure: unknown): number {
    return Math.max(FIRST_RETRY_MS, super.retryDelayMs(attempts, failure));
  }

  protected async noteRetry(tx: EntityManager, _tenant: TenantRef, job: ClaimedJob, _failure: unknown, delayMs: number): Promise<void> {
    await this.requests.noteNextAttempt(tx, job.refId, new Date(Date.now() + delayMs));
  }
}
