import { Module } from '@nestjs/common';
import { KeyRing, SecretBox } from '../../libs/crypto/src';
import { AppConfig } from '../config/app-config';
import { ChannelAdapters } from './channel-adapter';
import { buildChannelAdapters } from './channel-adapters.registry';
import { ChannelRoutes } from './channel-routes';
import { ChannelService } from './channel.service';
import { ChannelsController } from './channels.controller';

@Module({
  controllers: [ChannelsController],
  providers: [
    ChannelService,
    ChannelRoutes,
    { provide: SecretBox, inject: [AppConfig], useFactory: (config: AppConfig) => new SecretBox(KeyRing.parse(config.masterKeys)) },
    { provide: ChannelAdapters, inject: [AppConfig], useFactory: buildChannelAdapters },
  ],
  exports: [ChannelService, ChannelRoutes, ChannelAdapters, SecretBox],
})
export class ChannelsModule {}
