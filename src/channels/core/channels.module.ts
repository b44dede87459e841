import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ChannelAdapters } from './channel-adapters';
import { ChannelRoutes } from './channel-routes';
import { ChannelService } from './channel.service';
import { ChannelsController } from './channels.controller';

/**
 * The channel kit: the channels table (ChannelService), the directory's account routes, the
 * channels API and the registry of adapters, which each kind's own module provides.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [ChannelsController],
  providers: [ChannelService, ChannelRoutes, ChannelAdapters],
  exports: [ChannelService, ChannelRoutes, ChannelAdapters],
})
export class ChannelsModule {}
