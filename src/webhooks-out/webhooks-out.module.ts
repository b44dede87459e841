import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { JobQueue } from '../ingest/job-queue';
import { AuditLog } from '../privacy/audit-log';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookSubscriptionService } from './webhook-subscription.service';
import { WebhookSubscriptionsController } from './webhook-subscriptions.controller';

/** Signed outgoing webhooks for automation tools (Zapier, Make, n8n), under purpose limitation. */
@Module({
  imports: [ChannelsModule], // for the SecretBox
  controllers: [WebhookSubscriptionsController],
  providers: [WebhookSubscriptionService, WebhookDispatcher, WebhookDeliveryWorker, AuditLog, JobQueue],
  exports: [WebhookDeliveryWorker, AuditLog],
})
export class WebhooksOutModule {}
