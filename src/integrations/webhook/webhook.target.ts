import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { DeliveryLog } from '../core/delivery-log.store';
import { IntegrationSecrets } from '../core/integration-secrets.service';
import { DeliveryToRender, DeliveryVerdict, IntegrationEndpoint, IntegrationTarget, SealedSecretColumn } from '../core/integration-target';
import { PostOutcome, postWebhook } from './webhook-http';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature';
import { WebhookSubscriptionStore } from './webhook-subscription.store';

export interface WebhookEndpoint extends IntegrationEndpoint {
  url: string;
  sealedSecret: string;
}

export interface WebhookRequest {
  url: URL;
  body: string;
  headers: Record<string, string>;
}

/**
 * Signed outgoing webhooks (Zapier, Make, n8n): an event becomes a JSON body `{id, type,
 * createdAt, tenantId, data}` signed with the subscription's secret (see webhook-signature.ts),
 * POSTed to its URL. A 2xx delivers; anything else (or no answer) is retried, honouring
 * Retry-After, until the worker gives up.
 */
@Injectable()
export class WebhookTarget extends IntegrationTarget<WebhookEndpoint, WebhookRequest, PostOutcome> {
  readonly kind = 'webhook';
  readonly jobKind = 'webhook';
  readonly log = new DeliveryLog('webhook_deliveries', 'subscription_id');
  readonly audit = { actor: 'system:webhooks', action: 'webhook.deliver', endpoint: 'webhook_subscription' };
  constructor(
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly sealed: IntegrationSecrets,
    private readonly config: AppConfig,
  ) {
    super();
  }

  override get secrets(): SealedSecretColumn {
    return this.subscriptions.secrets;
  }

  wantedEventTypes(tx: EntityManager, tenantId: string): Promise<string[]> {
    return this.subscriptions.wantedEventTypes(tx, tenantId);
  }

  endpointsFor(tx: EntityManager, tenantId: string, eventType: string): Promise<IntegrationEndpoint[]> {
    return this.subscriptions.wanting(tx, tenantId, eventType);
  }

  endpoint(tx: EntityManager, tenantId: string, id: string): Promise<WebhookEndpoint | null> {
    return this.subscriptions.target(tx, tenantId, id);
  }

  render({ tenantId, delivery, endpoint, subject, now }: DeliveryToRender<WebhookEndpoint>): WebhookRequest {
    const body = JSON.stringify({
      id: delivery.eventId,
      type: delivery.eventType,
      createdAt: new Date(delivery.createdAt).toISOString(),
      tenantId,
      data: subject.data,
    });
    const secret = this.sealed.open(this.secrets, tenantId, endpoint.id, endpoint.sealedSecret);
    return {
      url: new URL(endpoint.url),
      body,
      headers: {
        [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(now.getTime() / 1000), body),
        'X-MonkeyMachine-Event': delivery.eventType,
        'X-MonkeyMachine-Delivery': delivery.id,
      },
    };
  }

  send(r: WebhookRequest): Promise<PostOutcome> {
    return postWebhook(r.url, r.body, r.headers, { allowLocal: this.config.webhooksAllowLocalTargets });
  }

  /** Only a 2xx delivers; every other answer, and no answer, may work later. */
  classify(o: PostOutcome): DeliveryVerdict {
    return o.ok
      ? { verdict: 'delivered', responseCode: o.status }
      : { verdict: 'retry', responseCode: o.status, error: o.error ?? 'failed', retryAfterMs: o.retryAfterMs };
  }
}
