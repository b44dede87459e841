import { ChannelGateway, ChannelKind, DeliveryFailure, DeliveryReceipt, OutboundDelivery } from '../../../libs/domain/src';
import { GraphClient } from './graph-client';

const TEXT_LIMIT: Record<string, number> = { messenger: 2000, instagram: 1000 };
const MEDIA = new Set(['image', 'video', 'audio', 'file']);

/**
 * Messenger and Instagram Direct through the Send API (one gateway for both). Inside 24 hours a
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
    for (const a of d.attachments ?? []) {
      if (!a.url) continue;
      last = await this.graph.post(`/${accountId}/messages`, token, {
        ...envelope,
        message: { attachment: { type: MEDIA.has(a.type) ? a.type : 'file', payload: { url: a.url, is_reusable: false } } },
      });
    }
    if (d.text) last = await this.graph.post(`/${accountId}/messages`, token, { ...envelope, message: { text: d.text } });
    if (!last?.message_id) throw new DeliveryFailure('permanent', 'NO_MESSAGE_ID', 'The Send API returned no message id');
    return { externalId: last.message_id };
  }
}
