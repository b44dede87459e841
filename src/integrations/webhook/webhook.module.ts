import { Module } from '@nestjs/common';
import { IntegrationTargets } from '../core/integration-targets.registry';
import { IntegrationsCoreModule } from '../core/integrations-core.module';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookSubscriptionService } from './webhook-subscription.service';
import { WebhookSubscriptionStore } from './webhook-subscription.store';
import { WebhookSubscriptionsController } from './webhook-subscriptions.controller';
import { WebhookTarget } from './webhook.target';

/** Signed outgoing webhooks for automation tools (Zapier, Make, n8n): the `webhook` integration target. */
@Module({
  imports: [IntegrationsCoreModule],
  controllers: [WebhookSubscriptionsController],
  providers: [WebhookTarget, WebhookSubscriptionStore, WebhookSubscriptionService, WebhookDeliveryWorker],
  exports: [WebhookDeliveryWorker],
})
export class WebhookModule {
  constructor(targets: IntegrationTargets, target: WebhookTarget) {
    targets.register(target);
  }
}
