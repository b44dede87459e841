import { Injectable } from '@nestjs/common';
import { Clock } from '../../../../libs/domain/src';
import { AuditLog } from '../../../audit/audit-log.store';
import { AppConfig } from '../../../config/app-config';
import { RegionDatabases } from '../../../database/region-databases';
import { JobQueue } from '../../../queue/job-queue.service';
import { WorkSignal } from '../../../queue/work-signal.service';
import { DeliveryOutboxWorker } from '../../core/delivery-outbox.worker';
import { IntegrationDispatcher } from '../../core/integration-dispatcher.service';
import { CrmEndpoint, CrmTarget } from './crm.target';

/** A push that keeps failing is given up after this many attempts (the CRM's rate limits and outages are retried). */
export const MAX_CRM_PUSH_ATTEMPTS = 12;

/** Sends the `crm` queue's pushes through the CrmTarget. */
@Injectable()
export class CrmDeliveryWorker extends DeliveryOutboxWorker<CrmEndpoint> {
  protected readonly kind = 'crm';
  protected readonly maxAttempts = MAX_CRM_PUSH_ATTEMPTS;

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    config: AppConfig,
    target: CrmTarget,
    dispatcher: IntegrationDispatcher,
    audit: AuditLog,
    clock: Clock,
  ) {
    super(dbs, queue, signal, config, target, dispatcher, audit, clock);
  }
}
