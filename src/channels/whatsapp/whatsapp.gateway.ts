import { ChannelGateway, ChannelKind, Choices, DeliveryFailure, DeliveryReceipt, OutboundDelivery, OutboundFile } from '../../../libs/domain/src';
import { multipartBody } from '../core/multipart-body';
import { GraphClient } from '../meta/graph-client';

/** Cloud API media captions: at most 1024 characters, on images, videos and documents (not audio). */
const CAPTION_LIMIT = 1024;

/** The message type a file goes as: the Cloud API's own types take only some formats ("Supported media types"); the rest are documents. */
function messageTypeOf(mimeType: string): 'image' | 'video' | 'audio' | 'document' {
  if (mimeType === 'image/jpeg' || mimeType === 'image/png') return 'image';
  if (mimeType === 'video/mp4' || mimeType === 'video/3gpp') return 'video';
  if (['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'].includes(mimeType)) return 'audio';
  return 'document';
}

/** An interactive message's body text: at most 1024 characters (a longer text goes as plain text, its choices answered by writing). */
const INTERACTIVE_BODY_LIMIT = 1024;

/** A list message ("Interactive list messages"): the text as its body, one section of rows, opened by the button. */
const listMessage = (text: string, choices: Choices) => ({
  type: 'list',
  body: { text },
  action: {
    button: choices.button,
    sections: [{ rows: choices.rows.map((r) => ({ id: r.id, title: r.title, ...(r.description ? { description: r.description } : {}) })) }],
  },
});

/** WhatsApp Cloud API: free-form text inside the 24-hour window, approved templates outside it. */
export class WhatsAppGateway extends ChannelGateway {
  readonly kinds: readonly ChannelKind[] = ['whatsapp'];

  constructor(private readonly graph: GraphClient) {
    super();
  }

  async send(d: OutboundDelivery): Promise<DeliveryReceipt> {
    const to = d.recipientId.startsWith('+') ? d.recipientId : `+${d.recipientId}`;
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
    if (!d.template && d.files?.length) return this.sendFiles(d, base, d.files);
    // A quoted reply ("Reply to messages": `context.message_id`), shown above the answer in WhatsApp.
    const quote = d.replyToExternalId ? { context: { message_id: d.replyToExternalId } } : {};
    const body = d.template
      ? {
          ...base,
          type: 'template',
          template: {
            name: d.template.name,
            language: { code: d.template.language },
            components: d.template.parameters.length ? [{ type: 'body', parameters: d.template.parameters.map((text) => ({ type: 'text', text })) }] : [],
          },
          ...quote,
        }
      : d.choices && d.text && d.text.length <= INTERACTIVE_BODY_LIMIT
        ? { ...base, ...quote, type: 'interactive', interactive: listMessage(d.text, d.choices) }
        : { ...base, ...quote, type: 'text', text: { body: d.text ?? '' } };
    const res = await this.graph.post<{ messages?: Array<{ id?: string }> }>(
      `/${d.channel.config.phoneNumberId}/messages`,
      d.channel.credentials.accessToken,
      body,
    );
    const id = res.messages?.[0]?.id;
    if (!id) throw new DeliveryFailure('permanent', 'NO_MESSAGE_ID', 'The Cloud API returned no message id');
    return { externalId: id };
  }

  /**
   * Files: each uploaded to the number's media endpoint, then sent by its media id, one message
   * each; a short text rides along as the caption of a single file that takes one, else it
   * follows as a message of its own. The id of the last message sent is kept.
   */
  private async sendFiles(d: OutboundDelivery, base: Record<string, string>, files: OutboundFile[]): Promise<DeliveryReceipt> {
    const token = d.channel.credentials.accessToken;
    const phoneNumberId = d.channel.config.phoneNumberId;
    const text = d.text ?? '';
    const captioned = files.length === 1 && text.length > 0 && text.length <= CAPTION_LIMIT && messageTypeOf(files[0].mimeType) !== 'audio';
    let last: string | undefined;
    // Only the first message of the reply quotes: the rest follow it.
    let quote: Record<string, unknown> = d.replyToExternalId ? { context: { message_id: d.replyToExternalId } } : {};
    for (const file of files) {
      const uploaded = await this.graph.upload<{ id?: string }>(
        `/${phoneNumberId}/media`,
        token,
        multipartBody({ messaging_product: 'whatsapp', type: file.mimeType }, 'file', file),
      );
      if (!uploaded.id) throw new DeliveryFailure('permanent', 'NO_MEDIA_ID', 'The Cloud API returned no media id for the upload');
      const type = messageTypeOf(file.mimeType);
      const media: Record<string, string> = { id: uploaded.id };
      if (captioned) media.caption = text;
      if (type === 'document') media.filename = file.fileName;
      last = await this.post(d, { ...base, ...quote, type, [type]: media });
      quote = {};
    }
    if (text && !captioned) last = await this.post(d, { ...base, ...quote, type: 'text', text: { body: text } });
    return { externalId: last! };
  }

  private async post(d: OutboundDelivery, body: unknown): Promise<string> {
    const res = await this.graph.post<{ messages?: Array<{ id?: string }> }>(
      `/${d.channel.config.phoneNumberId}/messages`,
      d.channel.credentials.accessToken,
      body,
    );
    const id = res.messages?.[0]?.id;
    if (!id) throw new DeliveryFailure('permanent', 'NO_MESSAGE_ID', 'The Cloud API returned no message id');
    return id;
  }

  /** Two-step media download: the id gives a short-lived URL, fetched with the same token. */
  async download(mediaId: string, accessToken: string): Promise<{ body: ReadableStream<Uint8Array>; mimeType?: string; length?: number }> {
    const meta = await this.graph.get<{ url: string; mime_type?: string }>(`/${encodeURIComponent(mediaId)}`, accessToken);
    const res = await this.graph.fetchBinary(meta.url, accessToken);
    return { body: res.body, mimeType: meta.mime_type ?? res.contentType, length: res.length };
  }
}
