import { Module } from '@nestjs/common';
import { IntegrationsCoreModule } from './core/integrations-core.module';
import { CrmModule } from './crm/crm.module';
import { WebhookModule } from './webhook/webhook.module';

/** Where events leave for other systems: the shared core and one module per target kind. */
@Module({
  imports: [IntegrationsCoreModule, WebhookModule, CrmModule],
  exports: [IntegrationsCoreModule, WebhookModule, CrmModule],
})
export class IntegrationsModule {}
