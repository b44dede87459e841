import { Injectable } from '@nestjs/common';
import { Clock } from '../../../libs/domain/src';
import { AuditLog } from '../../audit/audit-log.store';
import { AppConfig } from '../../config/app-config';
import { RegionDatabases } from '../../database/region-databases';
import { JobQueue } from '../../queue/job-queue.service';
import { WorkSignal } from '../../queue/work-signal.service';
import { DeliveryOutboxWorker } from '../core/delivery-outbox.worker';
import { IntegrationDispatcher } from '../core/integration-dispatcher.service';
import { WebhookEndpoint, WebhookTarget } from './webhook.target';

/** A delivery that keeps failing is given up after this many attempts (about 1.5 hours of backoff). */
export const MAX_WEBHOOK_ATTEMPTS = 15;

/** Sends the `webhook` queue's deliveries through the WebhookTarget. */
@Injectable()
export class WebhookDeliveryWorker extends DeliveryOutboxWorker<WebhookEndpoint> {
  protected readonly kind = 'webhook';
  protected readonly maxAttempts = MAX_WEBHOOK_ATTEMPTS;

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    config: AppConfig,
    target: WebhookTarget,
    dispatcher: IntegrationDispatcher,
    audit: AuditLog,
    clock: Clock,
  ) {
    super(dbs, queue, signal, config, target, dispatcher, audit, clock);
  }
}
