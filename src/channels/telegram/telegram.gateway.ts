import { ChannelGateway, ChannelKind, DeliveryFailure, DeliveryReceipt, OutboundDelivery, OutboundFile } from '../../../libs/domain/src';
import { TelegramClient } from './telegram-api.client';

/** Bot API limits: message text 1-4096 characters, media captions 0-1024. */
export const TELEGRAM_TEXT_LIMIT = 4096;
export const TELEGRAM_CAPTION_LIMIT = 1024;

interface SentMessage {
  message_id?: number;
  chat?: { id?: number | string };
}

/**
 * The Bot API method a file goes with, and its field: pictures the apps show as photos, MP4 video,
 * Opus voice notes (OGG) and music (MP3, M4A); anything else as a document, which keeps its name.
 */
function sendMethodOf(mimeType: string): [string, string] {
  if (['image/jpeg', 'image/png', 'image/webp'].includes(mimeType)) return ['sendPhoto', 'photo'];
  if (mimeType === 'video/mp4') return ['sendVideo', 'video'];
  if (mimeType === 'audio/ogg') return ['sendVoice', 'voice'];
  if (mimeType === 'audio/mpeg' || mimeType === 'audio/mp4') return ['sendAudio', 'audio'];
  return ['sendDocument', 'document'];
}

/**
 * Telegram messages are numbered per chat, not per bot: our platform id of a Telegram message is
 * `<chat id>:<message id>`, unique within the channel (the bot).
 */
export const telegramMessageId = (chatId: string | number, messageId: string | number) => `${chatId}:${messageId}`;

/** The Bot API takes chat ids as integers (they fit in 52 bits); anything else is passed as given. */
export function chatIdParam(recipientId: string): number | string {
  return /^-?\d{1,16}$/.test(recipientId) && Number.isSafeInteger(Number(recipientId)) ? Number(recipientId) : recipientId;
}

/**
 * Sends through the Bot API: text with sendMessage; uploaded files as multipart/form-data with the
 * method their type calls for (sendPhoto, sendVideo, sendVoice, sendAudio, sendDocument); files by
 * URL (Telegram fetches them) with sendPhoto or sendDocument. One attachment with a short
 * text goes as one message with the text as its caption; otherwise each attachment, then the
 * text, is a message of its own and the last one's id is kept.
 */
export class TelegramGateway extends ChannelGateway {
  readonly kinds: readonly ChannelKind[] = ['telegram'];

  constructor(private readonly client: TelegramClient) {
    super();
  }

  async send(d: OutboundDelivery): Promise<DeliveryReceipt> {
    if (d.template) throw new DeliveryFailure('permanent', 'TEMPLATE_NOT_SUPPORTED', 'Telegram has no message templates; send text');
    const text = d.text ?? '';
    if (text.length > TELEGRAM_TEXT_LIMIT)
      throw new DeliveryFailure('permanent', 'TEXT_TOO_LONG', `Telegram text must be at most ${TELEGRAM_TEXT_LIMIT} characters`);
    const files = new Map((d.files ?? []).map((f) => [f.uploadId, f]));
    // In order: uploaded files (sent as bytes) and files by URL (Telegram fetches them).
    const media = (d.attachments ?? []).flatMap((a): Array<{ file: OutboundFile } | { type: string; url: string }> => {
      const file = a.uploadId ? files.get(a.uploadId) : undefined;
      if (file) return [{ file }];
      return a.url && /^https?:\/\//i.test(a.url) ? [{ type: a.type, url: a.url }] : [];
    });
    if (!text && media.length === 0) throw new DeliveryFailure('permanent', 'EMPTY_MESSAGE', 'Nothing to send: no text and no file');

    const token = d.channel.credentials.botToken;
    // A customer of a Telegram Business account connected to the bot is answered through that connection.
    const business = /^business:([^:]*):(-?\d+)$/.exec(d.recipientId);
    if (business && !business[1])
      throw new DeliveryFailure(
        'permanent',
        'TELEGRAM_BUSINESS_CONNECTION_UNKNOWN',
        'The Telegram Business connection this chat came through is unknown: answer in Telegram',
      );
    const chat_id = chatIdParam(business ? business[2] : d.recipientId);
    const via = business ? { business_connection_id: business[1] } : {};
    const captioned = media.length === 1 && text.length > 0 && text.length <= TELEGRAM_CAPTION_LIMIT;
    // A quoted reply: the first message sent answers the quoted one (its number within the chat).
    const quotedId = d.replyToExternalId ? /:(\d+)$/.exec(d.replyToExternalId)?.[1] : undefined;
    let quote: { reply_parameters: { message_id: number; allow_sending_without_reply: boolean } } | Record<string, never> = quotedId
      ? { reply_parameters: { message_id: Number(quotedId), allow_sending_without_reply: true } }
      : {};
    const quoting = () => {
      const q = quote;
      quote = {};
      return q;
    };
    let last: SentMessage | undefined;
    for (const a of media) {
      const caption = captioned ? { caption: text } : {};
      const q = quoting();
      if ('file' in a) {
        const [method, field] = sendMethodOf(a.file.mimeType);
        // Multipart fields are strings: reply_parameters goes as its JSON.
        const replyParameters = 'reply_parameters' in q ? { reply_parameters: JSON.stringify(q.reply_parameters) } : {};
        last = await this.client.upload<SentMessage>(token, method, { ...via, chat_id, ...caption, ...replyParameters }, field, a.file);
      } else
        last =
          a.type === 'image'
            ? await this.client.call<SentMessage>(token, 'sendPhoto', { ...via, chat_id, photo: a.url, ...caption, ...q })
            : await this.client.call<SentMessage>(token, 'sendDocument', { ...via, chat_id, document: a.url, ...caption, ...q });
    }
    if (text && !captioned) last = await this.client.call<SentMessage>(token, 'sendMessage', { ...via, chat_id, text, ...quoting() });
    if (last?.message_id === undefined) throw new DeliveryFailure('permanent', 'NO_MESSAGE_ID', 'The Bot API returned no message id');
    return { externalId: telegramMessageId(business ? d.recipientId : (last.chat?.id ?? d.recipientId), last.message_id) };
  }
}
