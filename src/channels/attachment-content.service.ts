import { Injectable } from '@nestjs/common';
import { TenantRef, notFound, rejected } from '../../libs/domain/src';
import { ConversationService } from '../conversations/conversation.service';
import { RegionDatabases } from '../database/region-databases';
import { ChannelAdapters } from './channel-adapter';
import { ChannelService } from './channel.service';
import { WhatsAppGateway } from './whatsapp/whatsapp.gateway';

export type AttachmentContent = { redirect: string } | { stream: ReadableStream<Uint8Array>; mimeType: string; length?: number };

/**
 * Media are referenced, never copied: Meta CDN URLs are handed out as they are; WhatsApp media
 * ids are resolved on demand through the Cloud API's two-step download (URLs live ~5 minutes).
 */
@Injectable()
export class AttachmentContentService {
  constructor(
    private readonly conversations: ConversationService,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
    private readonly dbs: RegionDatabases,
  ) {}

  async open(tenant: TenantRef, conversationId: string, messageId: string, index: number): Promise<AttachmentContent> {
    const message = await this.conversations.getMessage(tenant, conversationId, messageId);
    const attachment = message.attachments[index];
    if (!attachment) throw notFound('ATTACHMENT_NOT_FOUND', 'Attachment not found');
    if (attachment.url && /^https?:\/\//.test(attachment.url)) return { redirect: attachment.url };
    if (!attachment.ref) throw notFound('ATTACHMENT_NOT_FOUND', 'This attachment has no content to fetch');

    const conversation = await this.conversations.get(tenant, conversationId);
    const channel = await this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, conversation.channelId));
    const gateway = this.adapters.for(channel.kind).gateway;
    if (!(gateway instanceof WhatsAppGateway) || channel.status !== 'active') {
      throw rejected('MEDIA_UNAVAILABLE', 'The media can no longer be fetched from the platform');
    }
    const media = await gateway.download(attachment.ref, channel.credentials.accessToken);
    return { stream: media.body, mimeType: media.mimeType ?? attachment.mimeType ?? 'application/octet-stream', length: media.length };
  }
}
