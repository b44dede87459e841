import { Module } from '@nestjs/common';
import { KeyRing, SecretBox } from '../../libs/crypto/src';
import { AppConfig } from '../config/app-config';
import { ChannelGateways } from './channel-gateways';
import { ChannelRoutes } from './channel-routes';
import { ChannelService } from './channel.service';
import { ChannelsController } from './channels.controller';
import { GraphClient } from './meta/graph-client';
import { MessengerGateway } from './messenger/messenger.gateway';
import { WhatsAppGateway } from './whatsapp/whatsapp.gateway';

@Module({
  controllers: [ChannelsController],
  providers: [
    ChannelService,
    ChannelRoutes,
    { provide: SecretBox, inject: [AppConfig], useFactory: (config: AppConfig) => new SecretBox(KeyRing.parse(config.masterKeys)) },
    {
      provide: ChannelGateways,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const graph = new GraphClient(config.meta.graphUrl);
        return new ChannelGateways([new MessengerGateway(graph), new WhatsAppGateway(graph)]);
      },
    },
  ],
  exports: [ChannelService, ChannelRoutes, ChannelGateways, SecretBox],
})
export class ChannelsModule {}
