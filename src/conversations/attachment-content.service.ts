import { Injectable } from '@nestjs/common';
import { TenantRef, notFound, rejected } from '../../libs/domain/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import type { MediaContent } from '../channels/core/channel-adapter';
import { ChannelService } from '../channels/core/channel.service';
import { RegionDatabases } from '../database/region-databases';
import { OpenedUpload, UploadService } from '../media/upload.service';
import { ConversationService } from './conversation.service';

export type AttachmentContent = { redirect: string } | { stored: OpenedUpload } | MediaContent;

/**
 * Files we store (uploads) stream from the tenant's media store; URLs (Meta's CDN...) are handed
 * out as they are; what the platform keeps by reference (a WhatsApp media id) or what we had to
 * keep (an e-mail's parts) is opened by the channel kind's media part, if it has one.
 */
@Injectable()
export class AttachmentContentService {
  constructor(
    private readonly conversations: ConversationService,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
    private readonly dbs: RegionDatabases,
    private readonly uploads: UploadService,
  ) {}

  async open(tenant: TenantRef, conversationId: string, messageId: string, index: number): Promise<AttachmentContent> {
    const message = await this.conversations.getMessage(tenant, conversationId, messageId);
    const attachment = message.attachments[index];
    if (!attachment) throw notFound('ATTACHMENT_NOT_FOUND', 'Attachment not found');
    if (attachment.uploadId) return { stored: await this.uploads.open(tenant, attachment.uploadId) };
    if (attachment.url && /^https?:\/\//.test(attachment.url)) return { redirect: attachment.url };
    if (!attachment.ref) throw notFound('ATTACHMENT_NOT_FOUND', 'This attachment has no content to fetch');

    const conversation = await this.conversations.get(tenant, conversationId);
    const channel = await this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, conversation.channelId));
    const media = this.adapters.for(channel.kind).media;
    if (!media) throw rejected('MEDIA_UNAVAILABLE', 'The media can no longer be fetched from the platform');
    return media.open(tenant, channel, { ref: attachment.ref, mimeType: attachment.mimeType, externalMessageId: message.externalId });
  }
}
