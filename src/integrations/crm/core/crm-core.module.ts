import { Module } from '@nestjs/common';
import { IntegrationTargets } from '../../core/integration-targets.registry';
import { IntegrationsCoreModule } from '../../core/integrations-core.module';
import { CrmConnectionStore } from './crm-connection.store';
import { CrmConnectionsService } from './crm-connections.service';
import { CrmConnectorKinds } from './crm-connector-kinds';
import { CrmConnectors } from './crm-connectors.service';
import { CrmContactsController } from './crm-contacts.controller';
import { CrmDeliveryWorker } from './crm-delivery.worker';
import { CrmOauthController } from './crm-oauth.controller';
import { CrmLinksStore } from './crm-links.store';
import { CrmRecordsStore } from './crm-records.store';
import { CrmRoutes } from './crm-routes.store';
import { CrmSyncEngine } from './crm-sync.engine';
import { CrmWebhookController } from './crm-webhook.controller';
import { CrmTarget } from './crm.target';
import { IntegrationsController } from './integrations.controller';

/**
 * What every CRM shares: connections and their API, the kinds registry, the sync engine, the
 * webhook route, links and the contact view, and the `crm` integration target (pushes through
 * the delivery outbox; its sealed credentials rotate with `npm run secrets:rotate`).
 */
@Module({
  imports: [IntegrationsCoreModule],
  controllers: [IntegrationsController, CrmWebhookController, CrmContactsController, CrmOauthController],
  providers: [
    CrmConnectorKinds,
    CrmConnectionStore,
    CrmRecordsStore,
    CrmLinksStore,
    CrmRoutes,
    CrmConnectors,
    CrmConnectionsService,
    CrmSyncEngine,
    CrmTarget,
    CrmDeliveryWorker,
  ],
  exports: [CrmConnectorKinds, CrmConnectionStore, CrmRecordsStore, CrmLinksStore, CrmConnectors, CrmConnectionsService, CrmSyncEngine, CrmDeliveryWorker],
})
export class CrmCoreModule {
  constructor(targets: IntegrationTargets, target: CrmTarget) {
    targets.register(target);
  }
}
