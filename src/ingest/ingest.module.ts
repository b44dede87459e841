import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { MetaWebhookController } from '../channels/meta/meta-webhook.controller';
import { AttachmentContentService } from '../channels/attachment-content.service';
import { AttachmentsController } from '../channels/attachments.controller';
import { ConversationsModule } from '../conversations/conversations.module';
import { InboundEventsController } from './inbound-events.controller';
import { InboundInbox } from './inbound-inbox';
import { InboundProcessor } from './inbound-processor';
import { JobQueue } from './job-queue';
import { OutboundSender } from './outbound-sender';

/** The durable inbox (webhooks in) and outbox (messages out) with their workers. */
@Module({
  imports: [ChannelsModule, ConversationsModule],
  controllers: [MetaWebhookController, InboundEventsController, AttachmentsController],
  providers: [InboundInbox, InboundProcessor, OutboundSender, JobQueue, AttachmentContentService],
  exports: [InboundProcessor, OutboundSender, InboundInbox],
})
export class IngestModule {}
