import { Module } from '@nestjs/common';
import { CsatModule } from '../../csat/csat.module';
import { EventsModule } from '../../events/events.module';
import { IngestModule } from '../../ingest/ingest.module';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { ChannelsModule } from '../core/channels.module';
import { WebchatChannels } from './webchat-channels';
import { WebchatDemo } from './webchat-demo';
import { WebchatHttpEdge } from './webchat-http';
import { WebchatSessions } from './webchat-sessions';
import { WebchatAdapter } from './webchat.adapter';
import { WidgetController } from './webchat-widget.controller';
import { WebchatController } from './webchat.controller';

/** The web chat widget: its adapter, the visitor API, live replies, the embeddable script and its demo page. */
@Module({
  imports: [ChannelsModule, IngestModule, EventsModule, TenancyModule, CsatModule],
  controllers: [WebchatController, WidgetController],
  providers: [WebchatAdapter, WebchatChannels, WebchatSessions, WebchatHttpEdge, WebchatDemo],
})
export class WebchatModule {}
