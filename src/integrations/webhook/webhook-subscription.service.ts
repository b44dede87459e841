import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Page, PageRequest, TenantRef, conflict, invalid, notFound, rejected } from '../../../libs/domain/src';
import { ProcessingPurpose, purposeNeverAllowed } from '../../../libs/policy/src';
import { AuditLog } from '../../audit/audit-log.store';
import { AppConfig } from '../../config/app-config';
import { RegionDatabases } from '../../database/region-databases';
import { JobQueue } from '../../queue/job-queue.service';
import { TenantStore } from '../../tenancy/tenant.store';
import type { DeliveryLogEntry } from '../core/delivery-log.store';
import { isIntegrationEventType } from '../core/event-subject';
import { IntegrationDispatcher } from '../core/integration-dispatcher.service';
import { IntegrationSecrets } from '../core/integration-secrets.service';
import { WebhookSubscription, WebhookSubscriptionStore } from './webhook-subscription.store';
import { newWebhookSecret } from './webhook-signature';
import { WebhookTarget } from './webhook.target';
import { validateWebhookUrl } from './webhook-url';

export type { DeliveryLogEntry as WebhookDelivery } from '../core/delivery-log.store';
export type { WebhookSubscription } from './webhook-subscription.store';

/** A tenant has at most this many subscriptions: each one multiplies the work of every event. */
export const MAX_SUBSCRIPTIONS_PER_TENANT = 25;

const hostOf = (url: string) => new URL(url).host;

/**
 * Webhook subscriptions of a tenant. The signing secret is generated here, returned once, and
 * stored only sealed; the purpose a subscription declares is fixed for its life and judged
 * against every event's origin before anything is sent.
 */
@Injectable()
export class WebhookSubscriptionService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly target: WebhookTarget,
    private readonly secrets: IntegrationSecrets,
    private readonly tenants: TenantStore,
    private readonly queue: JobQueue,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly dispatcher: IntegrationDispatcher,
  ) {}

  async create(
    tenant: TenantRef,
    actorId: string,
    input: { url: string; events: string[]; purpose: ProcessingPurpose },
  ): Promise<{ subscription: WebhookSubscription; secret: string }> {
    const url = validateWebhookUrl(input.url, this.config.webhooksAllowLocalTargets).toString();
    const events = [...new Set(input.events)];
    const unknown = events.filter((e) => !isIntegrationEventType(e));
    if (unknown.length || events.length === 0)
      throw invalid('INVALID_WEBHOOK_EVENTS', `events must be some of the known event types; unknown: ${unknown.join(', ') || '(none given)'}`);
    if (purposeNeverAllowed(input.purpose)) {
      await this.audit.recordAlone(tenant, {
        actor: `user:${actorId}`,
        action: 'webhook_subscription.create',
        subject: `webhook_subscription:new(${hostOf(url)})`,
        decision: 'deny',
        reason: `PURPOSE_NOT_PERMITTED: no data may ever be processed for ${input.purpose}`,
      });
      throw rejected('PURPOSE_NOT_PERMITTED', `MonkeyMachine never passes data on for ${input.purpose}`);
    }

    const id = randomUUID();
    const secret = newWebhookSecret();
    const subscription = await this.dbs.forTenant(tenant, async (tx) => {
      // One creation at a time per tenant keeps the limit exact.
      await this.tenants.lock(tx, tenant.tenantId);
      if ((await this.subscriptions.count(tx, tenant.tenantId)) >= MAX_SUBSCRIPTIONS_PER_TENANT) {
        throw conflict('WEBHOOK_SUBSCRIPTION_LIMIT', `An organization may have at most ${MAX_SUBSCRIPTIONS_PER_TENANT} webhook subscriptions`);
      }
      const created = await this.subscriptions.insert(tx, tenant.tenantId, {
        id,
        url,
        events,
        purpose: input.purpose,
        sealedSecret: this.secrets.seal(this.subscriptions.secrets, tenant.tenantId, id, secret),
        createdBy: actorId,
      });
      await this.audit.record(tx, tenant.tenantId, {
        actor: `user:${actorId}`,
        action: 'webhook_subscription.create',
        subject: `webhook_subscription:${id}`,
        decision: 'allow',
        reason: `purpose ${input.purpose}; events ${events.join(', ')}; host ${hostOf(url)}`,
      });
      return created;
    });
    this.dispatcher.forget(tenant.tenantId);
    return { subscription, secret };
  }

  list(tenant: TenantRef): Promise<WebhookSubscription[]> {
    return this.dbs.forTenant(tenant, (tx) => this.subscriptions.list(tx, tenant.tenantId));
  }

  get(tenant: TenantRef, id: string): Promise<WebhookSubscription> {
    return this.dbs.forTenant(tenant, (tx) => this.existing(tx, tenant.tenantId, id));
  }

  /** Deletes the subscription, its delivery log and its pending work. */
  async remove(tenant: TenantRef, actorId: string, id: string): Promise<void> {
    await this.dbs.forTenant(tenant, async (tx) => {
      await this.existing(tx, tenant.tenantId, id);
      await this.queue.discard(tx, this.target.jobKind, tenant.tenantId, await this.target.log.pendingOf(tx, tenant.tenantId, id));
      await this.subscriptions.delete(tx, tenant.tenantId, id);
      await this.audit.record(tx, tenant.tenantId, {
        actor: `user:${actorId}`,
        action: 'webhook_subscription.delete',
        subject: `webhook_subscription:${id}`,
        decision: 'allow',
      });
    });
  }

  async deliveries(tenant: TenantRef, subscriptionId: string, page: PageRequest): Promise<Page<DeliveryLogEntry>> {
    return this.dbs.forTenant(tenant, async (tx) => {
      await this.existing(tx, tenant.tenantId, subscriptionId);
      return this.target.log.page(tx, tenant.tenantId, subscriptionId, page);
    });
  }

  private async existing(tx: EntityManager, tenantId: string, id: string): Promise<WebhookSubscription> {
    const found = await this.subscriptions.find(tx, tenantId, id);
    if (!found) throw notFound('WEBHOOK_SUBSCRIPTION_NOT_FOUND', 'Webhook subscription not found');
    return found;
  }
}
