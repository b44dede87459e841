import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Clock, TenantRef } from '../../../libs/domain/src';
import type { AuditLog } from '../../audit/audit-log.store';
import type { AppConfig } from '../../config/app-config';
import type { RegionDatabases } from '../../database/region-databases';
import type { ClaimedJob, JobQueue } from '../../queue/job-queue.service';
import { QueueWorker, type RetryHint } from '../../queue/queue-worker';
import type { WorkSignal } from '../../queue/work-signal.service';
import type { AttemptRecord, PendingDelivery } from './delivery-log.store';
import type { EventSubject } from './event-subject';
import type { IntegrationDispatcher } from './integration-dispatcher.service';
import type { IntegrationEndpoint, IntegrationTarget } from './integration-target';
import { checkPurpose, withheldEntry } from './purpose-check';

/** An attempt the receiver did not accept, worth another one: what the delivery log keeps of it. */
class AttemptFailed extends Error implements RetryHint {
  constructor(
    readonly record: AttemptRecord,
    readonly retryAfterMs?: number,
  ) {
    super(record.error ?? 'the attempt failed');
  }
}

interface Prepared<E extends IntegrationEndpoint> {
  delivery: PendingDelivery;
  endpoint: E;
  subject: EventSubject;
}

/**
 * Sends one target kind's pending deliveries (each kind's module binds a subclass to its target
 * and its queue): rebuilds the payload from the current data (an erased message is not sent after
 * all), checks the purpose policy again (a consent may have been withdrawn), renders and sends
 * outside any transaction, and records the attempt in the delivery log. Retries and giving up
 * are QueueWorker's; the attempts that count are the delivery's own, as the log shows them.
 * Delivery is at least once: receivers deduplicate on the event `id`.
 */
export abstract class DeliveryOutboxWorker<E extends IntegrationEndpoint = IntegrationEndpoint> extends QueueWorker {
  protected readonly batchSize = 10;
  /** Receivers are independent: one slow endpoint must not hold up the rest of the batch. */
  protected readonly concurrency = 10;
  private readonly log = new Logger(this.constructor.name);

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    config: AppConfig,
    protected readonly target: IntegrationTarget<E>,
    private readonly dispatcher: IntegrationDispatcher,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {
    super(dbs, queue, signal, config);
  }

  /** Tests and tools: writes the deliveries of every event published so far, then sends all that are due. */
  override async drain(): Promise<number> {
    await this.dispatcher.settled();
    return super.drain();
  }

  protected async handle(region: string, job: ClaimedJob): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    let prepared: Prepared<E> | null;
    let request: unknown;
    try {
      prepared = await this.dbs.forTenant(tenant, (tx) => this.prepare(tx, job));
      if (!prepared) return;
      request = this.target.render({ tenantId: tenant.tenantId, ...prepared, now: this.clock.now() });
    } catch (err) {
      // A bug or an outage, not the receiver's answer: retried like a failure, never forever.
      this.log.error(`${this.target.kind} delivery ${job.refId} failed unexpectedly: ${(err as Error).message}`);
      throw err;
    }
    const verdict = this.target.classify(await this.target.send(request));
    const record: AttemptRecord = {
      attempts: prepared.delivery.attempts + 1,
      responseCode: verdict.responseCode,
      error: verdict.verdict === 'delivered' ? null : verdict.error,
    };
    if (verdict.verdict === 'retry') throw new AttemptFailed(record, verdict.retryAfterMs);
    await this.finish(tenant, job, (tx) => this.target.log.finishAttempt(tx, tenant.tenantId, job.refId, verdict.verdict, record));
    if (verdict.verdict === 'failed') this.gaveUp(tenant, job, record);
  }

  protected attemptsOf(job: ClaimedJob, failure: unknown): number {
    return failure instanceof AttemptFailed ? failure.record.attempts : job.attempts;
  }

  protected async noteRetry(tx: EntityManager, tenant: TenantRef, job: ClaimedJob, failure: unknown, delayMs: number): Promise<void> {
    if (failure instanceof AttemptFailed) await this.target.log.retryAttempt(tx, tenant.tenantId, job.refId, failure.record, delayMs);
  }

  protected async park(tx: EntityManager, tenant: TenantRef, job: ClaimedJob, failure: unknown): Promise<void> {
    if (failure instanceof AttemptFailed) {
      await this.target.log.finishAttempt(tx, tenant.tenantId, job.refId, 'failed', failure.record);
      this.gaveUp(tenant, job, failure.record);
    } else {
      await this.target.log.failUnsent(tx, tenant.tenantId, job.refId, 'INTERNAL_ERROR: the delivery could not be prepared');
    }
  }

  private gaveUp(tenant: TenantRef, job: ClaimedJob, record: AttemptRecord): void {
    this.log.warn(`${this.target.kind} delivery ${job.refId} of tenant ${tenant.tenantId} given up after ${record.attempts} attempts: ${record.error}`);
  }

  /** Null when there is nothing to send (finished, gone, or withheld now): the job is done. */
  private async prepare(tx: EntityManager, job: ClaimedJob): Promise<Prepared<E> | null> {
    const t = job.tenantId;
    const log = this.target.log;
    const delivery = await log.lock(tx, t, job.refId);
    const endpoint = delivery?.status === 'pending' ? await this.target.endpoint(tx, t, delivery.endpointId) : null;
    if (!delivery || !endpoint) {
      await this.queue.complete(tx, job);
      return null;
    }
    const subject = await this.dispatcher.loadSubject(tx, t, delivery.eventType, delivery.eventData);
    if (!subject) {
      await log.close(tx, t, delivery.id, 'skipped', 'SUBJECT_GONE: what the event was about no longer exists (erased or purged)');
      await this.queue.complete(tx, job);
      return null;
    }
    const decision = checkPurpose(subject, endpoint.purpose);
    if (!decision.allowed) {
      await log.close(tx, t, delivery.id, 'withheld', `${decision.code}: ${decision.reason}`);
      await this.audit.record(
        tx,
        t,
        withheldEntry(this.target.audit, delivery.endpointId, delivery.id, delivery.eventType, subject.origin!, endpoint.purpose, decision),
      );
      await this.queue.complete(tx, job);
      return null;
    }
    return { delivery, endpoint, subject };
  }
}
