import { ChannelGateway, ChannelKind, DeliveryFailure, DeliveryReceipt, OutboundDelivery } from '../../../libs/domain/src';
import { mediaKindOf } from '../../../libs/policy/src';
import { multipartBody } from '../core/multipart-body';
import { GraphClient } from './graph-client';

const TEXT_LIMIT: Record<string, number> = { messenger: 2000, instagram: 1000 };
const MEDIA = new Set(['image', 'video', 'audio', 'file']);

/**
 * Messenger and Instagram Direct through the Send API (one gateway for both). Files by URL are
 * fetched by Meta; uploaded files go to Messenger in the send call itself (multipart, streamed;
 * Instagram takes media by URL only: a signed, expiring link of ours). Inside 24 hours a
 * reply is a RESPONSE; up to 7 days a human agent may answer with the HUMAN_AGENT tag (the
 * window policy decides).
 */
export class MetaSendApiGateway extends ChannelGateway {
  readonly kinds: readonly ChannelKind[] = ['messenger', 'instagram'];

  constructor(private readonly graph: GraphClient) {
    super();
  }

  async send(d: OutboundDelivery): Promise<DeliveryReceipt> {
    const accountId = String(d.channel.kind === 'instagram' ? d.channel.config.igAccountId : d.channel.config.pageId);
    const token = d.channel.kind === 'instagram' ? d.channel.credentials.accessToken : d.channel.credentials.pageAccessToken;
    const envelope = {
      recipient: { id: d.recipientId },
      ...(d.replyMode === 'human_agent' ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : { messaging_type: 'RESPONSE' }),
    };
    if (d.text && d.text.length >= (TEXT_LIMIT[d.channel.kind] ?? 2000)) {
      throw new DeliveryFailure('permanent', 'TEXT_TOO_LONG', `Text must be shorter than ${TEXT_LIMIT[d.channel.kind]} characters`);
    }
    let last: { message_id?: string } | undefined;
    // A quoted reply: the first message sent answers the quoted one (`reply_to.mid`, next to `message`).
    let quote: { reply_to?: { mid: string } } = d.replyToExternalId ? { reply_to: { mid: d.replyToExternalId } } : {};
    const quoting = () => {
      const q = quote;
      quote = {};
      return q;
    };
    const files = new Map((d.files ?? []).map((f) => [f.uploadId, f]));
    for (const a of d.attachments ?? []) {
      const file = a.uploadId ? files.get(a.uploadId) : undefined;
      if (file && d.channel.kind === 'instagram') {
        // Instagram takes media by URL only: a signed, expiring link of ours.
        last = await this.graph.post(`/${accountId}/messages`, token, {
          ...envelope,
          ...quoting(),
          message: { attachment: { type: mediaKindOf(file.mimeType), payload: { url: file.url, is_reusable: false } } },
        });
        continue;
      }
      if (file) {
        // Attachment upload in the send itself (multipart: recipient and message as JSON, the bytes as filedata).
        const q = quoting();
        last = await this.graph.upload(
          `/${accountId}/messages`,
          token,
          multipartBody(
            {
              recipient: JSON.stringify(envelope.recipient),
              messaging_type: envelope.messaging_type,
              tag: 'tag' in envelope ? envelope.tag : undefined,
              reply_to: q.reply_to ? JSON.stringify(q.reply_to) : undefined,
              message: JSON.stringify({ attachment: { type: mediaKindOf(file.mimeType), payload: { is_reusable: false } } }),
            },
            'filedata',
            file,
          ),
        );
        continue;
      }
      if (!a.url) continue;
      last = await this.graph.post(`/${accountId}/messages`, token, {
        ...envelope,
        ...quoting(),
        message: { attachment: { type: MEDIA.has(a.type) ? a.type : 'file', payload: { url: a.url, is_reusable: false } } },
      });
    }
    if (d.text) last = await this.graph.post(`/${accountId}/messages`, token, { ...envelope, ...quoting(), message: { text: d.text } });
    if (!last?.message_id) throw new DeliveryFailure('permanent', 'NO_MESSAGE_ID', 'The Send API returned no message id');
    return { externalId: last.message_id };
  }
}
