import { Module } from '@nestjs/common';
import { EventsModule } from '../../events/events.module';
import { IngestModule } from '../../ingest/ingest.module';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { ChannelsModule } from '../channels.module';
import { WebchatChannels } from './webchat-channels';
import { WebchatDemo } from './webchat-demo';
import { WebchatHttpEdge } from './webchat-http';
import { WebchatSessions } from './webchat-sessions';
import { WidgetController } from './webchat-widget.controller';
import { WebchatController } from './webchat.controller';

/** The web chat widget: visitor API, live replies, the embeddable script and its demo page. */
@Module({
  imports: [ChannelsModule, IngestModule, EventsModule, TenancyModule],
  controllers: [WebchatController, WidgetController],
  providers: [WebchatChannels, WebchatSessions, WebchatHttpEdge, WebchatDemo],
})
export class WebchatModule {}
