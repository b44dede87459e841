import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { IngestModule } from '../../ingest/ingest.module';
import { GraphClient } from './graph-client';
import { MetaAccountControl } from './meta-account-control';
import { MetaWebhookController } from './meta-webhook.controller';

/**
 * What Messenger, Instagram and WhatsApp share as one Meta app: the Graph API client, the proofs
 * and subscriptions of account control, and the app-wide webhook route (`/webhooks/meta`).
 */
@Module({
  imports: [IngestModule],
  controllers: [MetaWebhookController],
  providers: [
    { provide: GraphClient, inject: [AppConfig], useFactory: (config: AppConfig) => new GraphClient(config.meta.graphUrl, config.platformTimeoutMs) },
    { provide: MetaAccountControl, inject: [GraphClient], useFactory: (graph: GraphClient) => new MetaAccountControl(graph) },
  ],
  exports: [GraphClient, MetaAccountControl],
})
export class MetaModule {}
