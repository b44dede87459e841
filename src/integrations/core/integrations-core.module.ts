import { Module } from '@nestjs/common';
import { ChannelsModule } from '../../channels/core/channels.module';
import { IntegrationDispatcher } from './integration-dispatcher.service';
import { IntegrationSecrets } from './integration-secrets.service';
import { IntegrationTargets } from './integration-targets.registry';

/** What every integration target kind shares: the registry of targets, the dispatcher, sealed secrets. */
@Module({
  imports: [ChannelsModule],
  providers: [IntegrationTargets, IntegrationDispatcher, IntegrationSecrets],
  exports: [IntegrationTargets, IntegrationDispatcher, IntegrationSecrets],
})
export class IntegrationsCoreModule {}
