import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../common/api-contract';
import { toPageResponse } from '../../common/cursor';
import { IdParam } from '../../common/id-param';
import { PageQueryDto, pageOf } from '../../common/page-query.dto';
import { Authenticated, CurrentPrincipal } from '../../tenancy/auth.guards';
import type { Principal } from '../../tenancy/principal';
import { WebhookDelivery, WebhookSubscription, WebhookSubscriptionService } from './webhook-subscription.service';
import {
  CreatedWebhookSubscriptionResponse,
  DeletedResponse,
  WebhookDeliveryPageResponse,
  WebhookSubscriptionListResponse,
  WebhookSubscriptionResponse,
} from '../integrations.responses';
import { CreateWebhookSubscriptionDto } from './webhook-subscriptions.dto';

/** Whitelist: the signing secret is never part of it. */
export const subscriptionResponse = (s: WebhookSubscription) => ({
  id: s.id,
  url: s.url,
  events: s.events,
  purpose: s.purpose,
  createdBy: s.createdBy,
  createdAt: s.createdAt,
});

export const deliveryResponse = (d: WebhookDelivery) => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType,
  origin: d.origin,
  status: d.status,
  attempts: d.attempts,
  responseCode: d.responseCode,
  lastError: d.lastError,
  createdAt: d.createdAt,
  lastAttemptAt: d.lastAttemptAt,
  nextAttemptAt: d.nextAttemptAt,
  completedAt: d.completedAt,
});

export const SIGNATURE_DOC = `Every delivery is a POST with a JSON body {id, type, createdAt, tenantId, data} and the header
X-MonkeyMachine-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.
The key is the subscription's secret (the whole "whsec_…" string, as UTF-8). To verify: take t and every v1 from the
header, compute the HMAC over the timestamp, a dot and the raw request bytes (not re-serialised JSON), compare in constant
time, accept if any v1 matches, and refuse a t more than 5 minutes from your clock. Node.js:
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = crypto.createHmac('sha256', secret).update(\`\${t}.\`).update(rawBody).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(t)) <= 300;
  const ok = fresh && parts.some(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v) && crypto.timingSafeEqual(Buffer.from(v, 'hex'), expected));
Answer any 2xx within 10 seconds. Anything else (or no answer) is retried with exponential backoff, up to 15 attempts; a
delivery may arrive more than once, so deduplicate on id. Also sent: X-MonkeyMachine-Event (the type) and
X-MonkeyMachine-Delivery (the delivery id in the log).`;

@ApiTags('webhooks')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/webhook-subscriptions')
export class WebhookSubscriptionsController {
  constructor(private readonly subscriptions: WebhookSubscriptionService) {}

  @Post()
  @ApiOperation({
    summary: 'Subscribe a URL (Zapier, Make, n8n…) to events; the answer shows the signing secret, once',
    description: `The response's "secret" is shown only here: store it in the receiving tool. It is kept encrypted and never returned again.\n\n${SIGNATURE_DOC}`,
  })
  @ApiCreatedResponse({ type: CreatedWebhookSubscriptionResponse })
  @ApiErrors('INVALID_WEBHOOK_URL', 'INVALID_WEBHOOK_EVENTS', 'PURPOSE_NOT_PERMITTED@422', 'WEBHOOK_SUBSCRIPTION_LIMIT')
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateWebhookSubscriptionDto) {
    const { subscription, secret } = await this.subscriptions.create(p, p.userId, body);
    return { ...subscriptionResponse(subscription), secret };
  }

  @Get()
  @ApiOperation({ summary: 'Webhook subscriptions (without their secrets)' })
  @ApiOkResponse({ type: WebhookSubscriptionListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: (await this.subscriptions.list(p)).map(subscriptionResponse) };
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookSubscriptionResponse })
  @ApiErrors('WEBHOOK_SUBSCRIPTION_NOT_FOUND')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return subscriptionResponse(await this.subscriptions.get(p, id));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a subscription, its delivery log and its pending deliveries' })
  @ApiOkResponse({ type: DeletedResponse })
  @ApiErrors('WEBHOOK_SUBSCRIPTION_NOT_FOUND')
  async remove(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    await this.subscriptions.remove(p, p.userId, id);
    return { id, status: 'deleted' };
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: 'Delivery log, newest first',
    description:
      'status: pending (will be tried or retried at nextAttemptAt), delivered (a 2xx answer), failed (gave up after the last attempt), ' +
      'withheld (purpose limitation: this subscription may not receive the data; see lastError and the audit log), skipped (the data was erased before it could be sent).',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse })
  @ApiErrors('WEBHOOK_SUBSCRIPTION_NOT_FOUND')
  async deliveries(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Query() q: PageQueryDto) {
    return toPageResponse(await this.subscriptions.deliveries(p, id, pageOf(q)), deliveryResponse);
  }
}
