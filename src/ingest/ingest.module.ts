import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/core/channels.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { ChannelWebhookController } from './channel-webhook.controller';
import { InboundEventStore } from './inbound-event.store';
import { InboundEventsController } from './inbound-events.controller';
import { InboundEventsService } from './inbound-events.service';
import { InboundIgnored } from './inbound-ignored.store';
import { InboundInbox } from './inbound-inbox.service';
import { InboundProcessor } from './inbound-processor.worker';
import { OutboundSender } from './outbound-sender.worker';
import { SendLimiter } from './send-limiter';

/** The durable inbox (webhooks in, through the per-channel webhook route) and outbox (messages out) with their workers. */
@Module({
  imports: [ChannelsModule, ConversationsModule],
  controllers: [ChannelWebhookController, InboundEventsController],
  providers: [InboundInbox, InboundProcessor, OutboundSender, InboundEventStore, InboundEventsService, InboundIgnored, SendLimiter],
  exports: [InboundProcessor, OutboundSender, InboundInbox],
})
export class IngestModule {}
