import { Injectable } from '@nestjs/common';
import { TenantRef, notFound, rejected } from '../../libs/domain/src';
import { ConversationService } from '../conversations/conversation.service';
import { RegionDatabases } from '../database/region-databases';
import { ChannelAdapters } from './channel-adapter';
import { ChannelService } from './channel.service';
import { partIndexOf } from './email/email.mapper';
import { readEmailPart } from './email/email.store';
import { WhatsAppGateway } from './whatsapp/whatsapp.gateway';

export type AttachmentContent =
  | { redirect: string }
  | { stream: ReadableStream<Uint8Array>; mimeType: string; length?: number; /** Offered as a download under this name. */ fileName?: string };

/**
 * Media are referenced, never copied: Meta CDN URLs are handed out as they are; WhatsApp media
 * ids are resolved on demand through the Cloud API's two-step download (URLs live ~5 minutes).
 * E-mail is the exception (a mail's parts exist nowhere else): they are read from the tenant's
 * database and always served as a download.
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
    // E-mail attachments are the one kind we keep: their bytes are in the tenant's database.
    const emailPart = partIndexOf(attachment.ref);
    if (emailPart !== null && message.externalId) {
      const part = await readEmailPart(this.dbs, tenant, conversation.channelId, message.externalId, emailPart);
      if (!part) throw notFound('ATTACHMENT_NOT_FOUND', 'This attachment has no content to fetch');
      return {
        stream: new Blob([new Uint8Array(part.content)]).stream(),
        mimeType: part.mimeType,
        length: part.content.length,
        fileName: part.name ?? `attachment-${emailPart}`,
      };
    }
    const channel = await this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, conversation.channelId));
    const gateway = this.adapters.for(channel.kind).gateway;
    if (!(gateway instanceof WhatsAppGateway) || channel.status !== 'active') {
      throw rejected('MEDIA_UNAVAILABLE', 'The media can no longer be fetched from the platform');
    }
    const media = await gateway.download(attachment.ref, channel.credentials.accessToken);
    return { stream: media.body, mimeType: media.mimeType ?? attachment.mimeType ?? 'application/octet-stream', length: media.length };
  }
}
