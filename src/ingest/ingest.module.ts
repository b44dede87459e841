import { Module } from '@nestjs/common';
import { AttachmentContentService } from '../channels/attachment-content.service';
import { AttachmentsController } from '../channels/attachments.controller';
import { ChannelsModule } from '../channels/channels.module';
import { MetaWebhookController } from '../channels/meta/meta-webhook.controller';
import { ConversationsModule } from '../conversations/conversations.module';
import { InboundEventStore } from './inbound-event.store';
import { InboundEventsController } from './inbound-events.controller';
import { InboundEventsService } from './inbound-events.service';
import { InboundInbox } from './inbound-inbox.service';
import { InboundProcessor } from './inbound-processor.worker';
import { OutboundSender } from './outbound-sender.worker';

/** The durable inbox (webhooks in) and outbox (messages out) with their workers. */
@Module({
  imports: [ChannelsModule, ConversationsModule],
  controllers: [MetaWebhookController, InboundEventsController, AttachmentsController],
  providers: [InboundInbox, InboundProcessor, OutboundSender, InboundEventStore, InboundEventsService, AttachmentContentService],
  exports: [InboundProcessor, OutboundSender, InboundInbox],
})
export class IngestModule {}
