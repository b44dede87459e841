import { ChannelGateway, ChannelKind, DeliveryFailure, DeliveryReceipt, OutboundDelivery } from '../../../libs/domain/src';
import { GraphClient } from '../meta/graph-client';

/** WhatsApp Cloud API: free-form text inside the 24-hour window, approved templates outside it. */
export class WhatsAppGateway extends ChannelGateway {
  readonly kinds: readonly ChannelKind[] = ['whatsapp'];

  constructor(private readonly graph: GraphClient) {
    super();
  }

  async send(d: OutboundDelivery): Promise<DeliveryReceipt> {
    const to = d.recipientId.startsWith('+') ? d.recipientId : `+${d.recipientId}`;
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
    const body = d.template
      ? {
          ...base,
          type: 'template',
          template: {
            name: d.template.name,
            language: { code: d.template.language },
            components: d.template.parameters.length ? [{ type: 'body', parameters: d.template.parameters.map((text) => ({ type: 'text', text })) }] : [],
          },
        }
      : { ...base, type: 'text', text: { body: d.text ?? '' } };
    const res = await this.graph.post<{ messages?: Array<{ id?: string }> }>(
      `/${d.channel.config.phoneNumberId}/messages`,
      d.channel.credentials.accessToken,
      body,
    );
    const id = res.messages?.[0]?.id;
    if (!id) throw new DeliveryFailure('permanent', 'NO_MESSAGE_ID', 'The Cloud API returned no message id');
    return { externalId: id };
  }

  /** Two-step media download: the id gives a short-lived URL, fetched with the same token. */
  async download(mediaId: string, accessToken: string): Promise<{ body: ReadableStream<Uint8Array>; mimeType?: string; length?: number }> {
    const meta = await this.graph.get<{ url: string; mime_type?: string }>(`/${encodeURIComponent(mediaId)}`, accessToken);
    const res = await this.graph.fetchBinary(meta.url, accessToken);
    return { body: res.body, mimeType: meta.mime_type ?? res.contentType, length: res.length };
  }
}
