import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ProcessingPurpose } from '../../../libs/policy/src';
import { firstRow, rows, type SqlRow } from '../../database/sql';
import type { IntegrationEventType } from '../core/event-subject';
import type { SealedSecretColumn } from '../core/integration-target';

export interface WebhookSubscription {
  id: string;
  url: string;
  events: IntegrationEventType[];
  purpose: ProcessingPurpose;
  createdBy: string | null;
  createdAt: Date;
}

/** The AAD of a subscription's signing secret: the ciphertext opens only in its own row. */
export const webhookSecretContext = (tenantId: string, subscriptionId: string) => ({ tenantId, subscriptionId, purpose: 'webhook-secret' });

const COLUMNS = 'id, url, events, purpose, created_by, created_at';
const toSubscription = (r: SqlRow): WebhookSubscription => ({
  id: r.id,
  url: r.url,
  events: r.events,
  purpose: r.purpose,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** `webhook_subscriptions`: the webhook target's endpoints, with their sealed signing secrets. */
@Injectable()
export class WebhookSubscriptionStore {
  /** Where the signing secrets are sealed (see IntegrationSecrets). */
  readonly secrets: SealedSecretColumn = {
    context: webhookSecretContext,
    all: async (tx, tenantId) =>
      (await rows<{ id: string; secret: string }>(tx, `select id, secret from webhook_subscriptions where tenant_id = $1 for update`, [tenantId])).map((s) => ({
        endpointId: s.id,
        sealed: s.secret,
      })),
    replace: async (tx, tenantId, id, sealed) => {
      await tx.query(`update webhook_subscriptions set secret = $3 where tenant_id = $1 and id = $2`, [tenantId, id, sealed]);
    },
  };

  async count(tx: EntityManager, tenantId: string): Promise<number> {
    const [{ n }] = await rows<{ n: number }>(tx, `select count(*)::int as n from webhook_subscriptions where tenant_id = $1`, [tenantId]);
    return n;
  }

  async insert(
    tx: EntityManager,
    tenantId: string,
    s: { id: string; url: string; events: string[]; purpose: ProcessingPurpose; sealedSecret: string; createdBy: string },
  ): Promise<WebhookSubscription> {
    const row = await firstRow(
      tx,
      `insert into webhook_subscriptions (tenant_id, id, url, events, purpose, secret, created_by) values ($1, $2, $3, $4, $5, $6, $7) returning ${COLUMNS}`,
      [tenantId, s.id, s.url, s.events, s.purpose, s.sealedSecret, s.createdBy],
    );
    return toSubscription(row!);
  }

  async list(tx: EntityManager, tenantId: string): Promise<WebhookSubscription[]> {
    return (await rows(tx, `select ${COLUMNS} from webhook_subscriptions where tenant_id = $1 order by created_at, id`, [tenantId])).map(toSubscription);
  }

  async find(tx: EntityManager, tenantId: string, id: string): Promise<WebhookSubscription | null> {
    const row = await firstRow(tx, `select ${COLUMNS} from webhook_subscriptions where tenant_id = $1 and id = $2`, [tenantId, id]);
    return row ? toSubscription(row) : null;
  }

  /** What sending needs: where to, the sealed secret, the purpose. */
  async target(tx: EntityManager, tenantId: string, id: string): Promise<{ id: string; url: string; sealedSecret: string; purpose: ProcessingPurpose } | null> {
    const row = await firstRow(tx, `select id, url, secret, purpose from webhook_subscriptions where tenant_id = $1 and id = $2`, [tenantId, id]);
    return row ? { id: row.id, url: row.url, sealedSecret: row.secret, purpose: row.purpose } : null;
  }

  /** Deletes the subscription; its delivery log goes with it (cascade). */
  async delete(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query(`delete from webhook_subscriptions where tenant_id = $1 and id = $2`, [tenantId, id]);
  }

  async wantedEventTypes(tx: EntityManager, tenantId: string): Promise<string[]> {
    return (await rows<{ type: string }>(tx, `select distinct unnest(events) as type from webhook_subscriptions where tenant_id = $1`, [tenantId])).map(
      (r) => r.type,
    );
  }

  async wanting(tx: EntityManager, tenantId: string, eventType: string): Promise<Array<{ id: string; purpose: ProcessingPurpose }>> {
    return rows<{ id: string; purpose: ProcessingPurpose }>(
      tx,
      `select id, purpose from webhook_subscriptions where tenant_id = $1 and $2 = any(events) order by created_at, id`,
      [tenantId, eventType],
    );
  }
}
