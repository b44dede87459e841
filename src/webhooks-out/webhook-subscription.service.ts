import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { SecretBox } from '../../libs/crypto/src';
import { Page, PageRequest, TenantRef, conflict, invalid, notFound, rejected } from '../../libs/domain/src';
import { ProcessingPurpose, purposeNeverAllowed } from '../../libs/policy/src';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { AuditLog } from '../privacy/audit-log';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEventType, isWebhookEventType } from './webhook-events';
import { newWebhookSecret } from './webhook-signature';
import { validateWebhookUrl } from './webhook-target';

export interface WebhookSubscription {
  id: string;
  url: string;
  events: WebhookEventType[];
  purpose: ProcessingPurpose;
  createdBy: string | null;
  createdAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'withheld' | 'skipped';

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  origin: string | null;
  status: DeliveryStatus;
  attempts: number;
  responseCode: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  completedAt: Date | null;
}

/** The AAD of a subscription's signing secret: the ciphertext opens only in its own row. */
export const webhookSecretContext = (tenantId: string, subscriptionId: string) => ({ tenantId, subscriptionId, purpose: 'webhook-secret' });

/** A tenant has at most this many subscriptions: each one multiplies the work of every event. */
export const MAX_SUBSCRIPTIONS_PER_TENANT = 25;

const COLUMNS = 'id, url, events, purpose, created_by, created_at';
const toSubscription = (r: Record<string, any>): WebhookSubscription => ({
  id: r.id,
  url: r.url,
  events: r.events,
  purpose: r.purpose,
  createdBy: r.created_by,
  createdAt: r.created_at,
});
const toDelivery = (r: Record<string, any>): WebhookDelivery => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type,
  origin: r.origin,
  status: r.status,
  attempts: r.attempts,
  responseCode: r.response_code,
  lastError: r.last_error,
  createdAt: r.created_at,
  lastAttemptAt: r.last_attempt_at,
  nextAttemptAt: r.next_attempt_at,
  completedAt: r.completed_at,
});

const hostOf = (url: string) => new URL(url).host;

/**
 * Webhook subscriptions of a tenant. The signing secret is generated here, returned once, and
 * stored only sealed by the SecretBox; the purpose a subscription declares is fixed for its life
 * and judged against every event's origin before anything is sent.
 */
@Injectable()
export class WebhookSubscriptionService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly secrets: SecretBox,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async create(
    tenant: TenantRef,
    actorId: string,
    input: { url: string; events: string[]; purpose: ProcessingPurpose },
  ): Promise<{ subscription: WebhookSubscription; secret: string }> {
    const url = validateWebhookUrl(input.url, this.config.webhooksAllowLocalTargets).toString();
    const events = [...new Set(input.events)];
    const unknown = events.filter((e) => !isWebhookEventType(e));
    if (unknown.length || events.length === 0) throw invalid('INVALID_WEBHOOK_EVENTS', `events must be some of the known event types; unknown: ${unknown.join(', ') || '(none given)'}`);
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
      await tx.query(`select 1 from tenants where tenant_id = $1 for update`, [tenant.tenantId]);
      const [{ n }] = await rows<{ n: number }>(tx, `select count(*)::int as n from webhook_subscriptions where tenant_id = $1`, [tenant.tenantId]);
      if (n >= MAX_SUBSCRIPTIONS_PER_TENANT) throw conflict('WEBHOOK_SUBSCRIPTION_LIMIT', `An organization may have at most ${MAX_SUBSCRIPTIONS_PER_TENANT} webhook subscriptions`);
      const row = await firstRow(
        tx,
        `insert into webhook_subscriptions (tenant_id, id, url, events, purpose, secret, created_by) values ($1, $2, $3, $4, $5, $6, $7) returning ${COLUMNS}`,
        [tenant.tenantId, id, url, events, input.purpose, this.secrets.encrypt(secret, webhookSecretContext(tenant.tenantId, id)), actorId],
      );
      await this.audit.record(tx, tenant.tenantId, {
        actor: `user:${actorId}`,
        action: 'webhook_subscription.create',
        subject: `webhook_subscription:${id}`,
        decision: 'allow',
        reason: `purpose ${input.purpose}; events ${events.join(', ')}; host ${hostOf(url)}`,
      });
      return toSubscription(row!);
    });
    this.dispatcher.forget(tenant.tenantId);
    return { subscription, secret };
  }

  list(tenant: TenantRef): Promise<WebhookSubscription[]> {
    return this.dbs.forTenant(tenant, async (tx) =>
      (await rows(tx, `select ${COLUMNS} from webhook_subscriptions where tenant_id = $1 order by created_at, id`, [tenant.tenantId])).map(toSubscription),
    );
  }

  async get(tenant: TenantRef, id: string): Promise<WebhookSubscription> {
    return toSubscription(await this.dbs.forTenant(tenant, (tx) => this.row(tx, tenant.tenantId, id)));
  }

  /** Deletes the subscription, its delivery log and its pending work. */
  async remove(tenant: TenantRef, actorId: string, id: string): Promise<void> {
    await this.dbs.forTenant(tenant, async (tx) => {
      await this.row(tx, tenant.tenantId, id);
      await tx.query(
        `delete from queue.jobs where kind = 'webhook' and tenant_id = $1 and ref_id in (select id from webhook_deliveries where tenant_id = $1 and subscription_id = $2)`,
        [tenant.tenantId, id],
      );
      await tx.query(`delete from webhook_subscriptions where tenant_id = $1 and id = $2`, [tenant.tenantId, id]);
      await this.audit.record(tx, tenant.tenantId, { actor: `user:${actorId}`, action: 'webhook_subscription.delete', subject: `webhook_subscription:${id}`, decision: 'allow' });
    });
  }

  async deliveries(tenant: TenantRef, subscriptionId: string, page: PageRequest): Promise<Page<WebhookDelivery>> {
    return this.dbs.forTenant(tenant, async (tx) => {
      await this.row(tx, tenant.tenantId, subscriptionId);
      const params: unknown[] = [tenant.tenantId, subscriptionId, page.limit + 1];
      let keyset = '';
      if (page.after) {
        params.push(page.after.at, page.after.id);
        keyset = 'and (created_at, id) < ($4, $5)';
      }
      const found = (
        await rows(
          tx,
          `select id, event_id, event_type, origin, status, attempts, response_code, last_error, created_at, last_attempt_at, next_attempt_at, completed_at
           from webhook_deliveries where tenant_id = $1 and subscription_id = $2 ${keyset}
           order by created_at desc, id desc limit $3`,
          params,
        )
      ).map(toDelivery);
      const items = found.slice(0, page.limit);
      const last = items[items.length - 1];
      return { items, next: found.length > page.limit && last ? { at: last.createdAt, id: last.id } : undefined };
    });
  }

  /** The signing secret, for the delivery worker only. */
  openSecret(tenantId: string, subscriptionId: string, sealed: string): string {
    return this.secrets.decryptString(sealed, webhookSecretContext(tenantId, subscriptionId));
  }

  private async row(tx: EntityManager, tenantId: string, id: string): Promise<Record<string, any>> {
    const row = await firstRow(tx, `select ${COLUMNS} from webhook_subscriptions where tenant_id = $1 and id = $2`, [tenantId, id]);
    if (!row) throw notFound('WEBHOOK_SUBSCRIPTION_NOT_FOUND', 'Webhook subscription not found');
    return row;
  }
}
