import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock, TenantRef } from '../../libs/domain/src';
import type { ProcessingPurpose } from '../../libs/policy/src';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';
import { ClaimedJob, JobQueue, backoffMs } from '../ingest/job-queue';
import { QueueWorker } from '../ingest/queue-worker';
import { WorkSignal } from '../common/work-signal';
import { AuditLog } from '../privacy/audit-log';
import { WebhookDispatcher, withheldEntry } from './webhook-dispatcher';
import { decideForSubject, loadEventSubject } from './webhook-events';
import { PostOutcome, postWebhook } from './webhook-http';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature';
import { WebhookSubscriptionService } from './webhook-subscription.service';

/** A delivery that keeps failing is given up after this many attempts (about 1.5 hours of backoff). */
export const MAX_WEBHOOK_ATTEMPTS = 15;

interface Prepared {
  deliveryId: string;
  url: URL;
  secret: string;
  body: string;
  eventType: string;
  attempts: number;
}

/**
 * Sends pending deliveries: rebuilds the payload from the current data (an erased message is not
 * sent after all), checks the purpose policy again (a consent may have been withdrawn), signs, and
 * POSTs outside any transaction. Non-2xx answers and network errors back off exponentially
 * (honouring Retry-After) and give up after MAX_WEBHOOK_ATTEMPTS. Delivery is at least once:
 * receivers deduplicate on the event `id`.
 */
@Injectable()
export class WebhookDeliveryWorker extends QueueWorker {
  protected readonly kind = 'webhook';
  protected readonly batchSize = 10;
  private readonly log = new Logger(WebhookDeliveryWorker.name);

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    private readonly settings: AppConfig,
    private readonly dispatcher: WebhookDispatcher,
    private readonly subscriptions: WebhookSubscriptionService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {
    super(dbs, queue, signal, settings);
  }

  /** Tests and tools: writes the deliveries of every event published so far, then sends all that are due. */
  override async drain(): Promise<number> {
    await this.dispatcher.settled();
    return super.drain();
  }

  /** Receivers are independent: one slow endpoint must not hold up the rest of the batch. */
  override async runBatch(region: string): Promise<number> {
    const jobs = await this.queue.claim(region, this.kind, this.batchSize);
    await Promise.all(jobs.map((job) => this.handle(region, job)));
    return jobs.length;
  }

  protected handle(region: string, job: ClaimedJob): Promise<void> {
    return this.deliver(region, job).catch((err) => this.unexpected(region, job, err as Error));
  }

  /** A bug or an outage, not the receiver's answer: retried like a failure, never forever. */
  private async unexpected(region: string, job: ClaimedJob, err: Error): Promise<void> {
    this.log.error(`webhook delivery ${job.refId} failed unexpectedly: ${err.message}`);
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    try {
      if (job.attempts < MAX_WEBHOOK_ATTEMPTS) return await this.queue.retryLater(region, job.id, backoffMs(job.attempts));
      await this.dbs.forTenant(tenant, async (tx) => {
        await tx.query(
          `update webhook_deliveries set status = 'failed', last_error = $3, next_attempt_at = null, completed_at = now() where tenant_id = $1 and id = $2 and status = 'pending'`,
          [job.tenantId, job.refId, 'INTERNAL_ERROR: the delivery could not be prepared'],
        );
        await this.queue.complete(tx, job.id);
      });
    } catch (again) {
      // The lease runs out and another attempt claims the job.
      this.log.error(`webhook delivery ${job.refId}: ${(again as Error).message}`);
    }
  }

  private async deliver(region: string, job: ClaimedJob): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    const prepared = await this.dbs.forTenant(tenant, (tx) => this.prepare(tx, job));
    if (!prepared) return;

    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const outcome = await postWebhook(
      prepared.url,
      prepared.body,
      {
        [SIGNATURE_HEADER]: signatureHeader(prepared.secret, timestamp, prepared.body),
        'X-MonkeyMachine-Event': prepared.eventType,
        'X-MonkeyMachine-Delivery': prepared.deliveryId,
      },
      { allowLocal: this.settings.webhooksAllowLocalTargets },
    );
    await this.record(tenant, region, job, prepared, outcome);
  }

  /** Null when there is nothing to send (finished, gone, or withheld now): the job is done. */
  private async prepare(tx: EntityManager, job: ClaimedJob): Promise<Prepared | null> {
    const t = job.tenantId;
    const row = await firstRow(
      tx,
      `select d.id, d.subscription_id, d.event_id, d.event_type, d.event_data, d.status, d.attempts, d.created_at, s.url, s.secret, s.purpose
       from webhook_deliveries d join webhook_subscriptions s on s.tenant_id = d.tenant_id and s.id = d.subscription_id
       where d.tenant_id = $1 and d.id = $2 for update of d`,
      [t, job.refId],
    );
    if (!row || row.status !== 'pending') {
      await this.queue.complete(tx, job.id);
      return null;
    }
    const subject = await loadEventSubject(tx, t, row.event_type, row.event_data);
    if (!subject) {
      await this.close(tx, t, row.id, 'skipped', 'SUBJECT_GONE: what the event was about no longer exists (erased or purged)');
      await this.queue.complete(tx, job.id);
      return null;
    }
    const decision = decideForSubject(subject, row.purpose as ProcessingPurpose);
    if (!decision.allowed) {
      await this.close(tx, t, row.id, 'withheld', `${decision.code}: ${decision.reason}`);
      await this.audit.record(tx, t, withheldEntry(row.subscription_id, row.id, row.event_type, subject.origin!, row.purpose, decision));
      await this.queue.complete(tx, job.id);
      return null;
    }
    const body = JSON.stringify({ id: row.event_id, type: row.event_type, createdAt: new Date(row.created_at).toISOString(), tenantId: t, data: subject.data });
    return {
      deliveryId: row.id,
      url: new URL(row.url),
      secret: this.subscriptions.openSecret(t, row.subscription_id, row.secret),
      body,
      eventType: row.event_type,
      attempts: row.attempts,
    };
  }

  private async record(tenant: TenantRef, region: string, job: ClaimedJob, p: Prepared, outcome: PostOutcome): Promise<void> {
    const attempts = p.attempts + 1;
    if (outcome.ok || attempts >= MAX_WEBHOOK_ATTEMPTS) {
      await this.dbs.forTenant(tenant, async (tx) => {
        await tx.query(
          `update webhook_deliveries set status = $3, attempts = $4, response_code = $5, last_error = $6, last_attempt_at = now(), next_attempt_at = null, completed_at = now()
           where tenant_id = $1 and id = $2`,
          [tenant.tenantId, p.deliveryId, outcome.ok ? 'delivered' : 'failed', attempts, outcome.status, outcome.error],
        );
        await this.queue.complete(tx, job.id);
      });
      if (!outcome.ok) this.log.warn(`webhook delivery ${p.deliveryId} of tenant ${tenant.tenantId} given up after ${attempts} attempts: ${outcome.error}`);
      return;
    }
    const delayMs = Math.max(backoffMs(attempts), outcome.retryAfterMs ?? 0);
    await this.dbs.forTenant(tenant, (tx) =>
      tx.query(
        `update webhook_deliveries set attempts = $3, response_code = $4, last_error = $5, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => $6)
         where tenant_id = $1 and id = $2`,
        [tenant.tenantId, p.deliveryId, attempts, outcome.status, outcome.error, delayMs / 1000],
      ),
    );
    await this.queue.retryLater(region, job.id, delayMs);
  }

  private async close(tx: EntityManager, tenantId: string, deliveryId: string, status: 'skipped' | 'withheld', reason: string): Promise<void> {
    await tx.query(`update webhook_deliveries set status = $3, last_error = $4, next_attempt_at = null, completed_at = now() where tenant_id = $1 and id = $2`, [
      tenantId,
      deliveryId,
      status,
      reason,
    ]);
  }
}
