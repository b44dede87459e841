import { attachment } from '../../../libs/domain/src';
import type { Attachment, InboundEvent, MessageContext } from '../../../libs/domain/src';
import { telegramMessageId } from './telegram.gateway';
import type {
  TelegramPayload,
  TelegramStoredUpdate,
  TelegramUpdate,
  TgChat,
  TgFile,
  TgMessage,
  TgMessageReaction,
  TgReaction,
  TgUser,
} from './telegram-update';
import { businessContactId, compact } from './telegram-update';

const displayName = (u: TgUser | undefined): string | null => {
  if (!u) return null;
  const name = [u.first_name, u.last_name]
    .filter((s) => s && s.trim())
    .join(' ')
    .trim();
  return name || (u.username ? `@${u.username}` : null);
};

/** What a Telegram message carries, as inbox attachments: files are kept by `file_id` (ref), never copied. */
export function telegramAttachments(m: TgMessage): Attachment[] {
  const out: Attachment[] = [];
  const file = (type: Attachment['type'], f: TgFile | undefined, mimeType?: string) => {
    if (f?.file_id) out.push(compact({ type, ref: f.file_id, mimeType: f.mime_type ?? mimeType, name: f.file_name }));
  };
  const photo = m.photo?.length ? m.photo.reduce((a, b) => ((b.width ?? 0) * (b.height ?? 0) >= (a.width ?? 0) * (a.height ?? 0) ? b : a)) : undefined;
  file('image', photo, 'image/jpeg');
  if (m.sticker?.file_id) {
    const detail = compact({ animated: m.sticker.is_animated || m.sticker.is_video ? true : undefined, emoji: m.sticker.emoji });
    out.push(compact({ type: 'sticker' as const, ref: m.sticker.file_id, mimeType: m.sticker.mime_type, detail }));
  }
  file('video', m.video);
  file('video', m.video_note, 'video/mp4');
  if (m.audio?.file_id)
    out.push(compact({ type: 'audio' as const, ref: m.audio.file_id, mimeType: m.audio.mime_type, name: m.audio.file_name, detail: { voice: false } }));
  if (m.voice?.file_id)
    out.push(compact({ type: 'audio' as const, ref: m.voice.file_id, mimeType: m.voice.mime_type ?? 'audio/ogg', detail: { voice: true } }));
  // An animation (GIF) comes with a `document` too: it is kept once, as that file.
  if (m.document && !out.some((a) => a.ref === m.document!.file_id)) file('file', m.document);
  // A venue comes with its `location` too: it is kept once, with its title and address.
  if (m.venue) out.push(attachment.location({ latitude: m.venue.latitude, longitude: m.venue.longitude, name: m.venue.title, address: m.venue.address }));
  else if (m.location) out.push(attachment.location({ latitude: m.location.latitude, longitude: m.location.longitude }));
  if (m.contact) {
    const name = [m.contact.first_name, m.contact.last_name].filter(Boolean).join(' ') || null;
    out.push(attachment.contacts([{ name, phones: m.contact.phone_number ? [{ phone: m.contact.phone_number }] : [] }]));
  }
  if (m.poll) {
    out.push(
      attachment.poll({ question: m.poll.question, options: m.poll.options, multipleAnswers: m.poll.allows_multiple_answers, anonymous: m.poll.is_anonymous }),
    );
  }
  if (m.successful_payment) {
    const p = m.successful_payment;
    out.push(
      attachment.placeholder({
        what: 'telegram_payment',
        summary: `Telegram payment received${p.currency ? ` (${p.currency})` : ''}`,
        // The amount is in the currency's smallest unit (cents), as Telegram gives it.
        data: compact({ currency: p.currency, totalAmount: p.total_amount, invoicePayload: p.invoice_payload }),
      }),
    );
  }
  if (out.length === 0 && m.other)
    out.push(
      attachment.placeholder({
        what: `telegram_${m.other}`,
        summary: `A Telegram ${m.other.replace(/_/g, ' ')} the inbox cannot show yet`,
        data: m.other_detail,
      }),
    );
  return out;
}

const at = (unixSeconds: number | undefined, fallback: Date) => (unixSeconds ? new Date(unixSeconds * 1000) : fallback);

/** What a reaction update leaves on the message: the emoji just added, else the last one still there; null when none is left. */
function reactionNow(r: TgMessageReaction): { emoji: string | null } | null {
  const emojis = (list: TgReaction[]) => list.map((x) => x.emoji).filter((e): e is string => !!e);
  const before = new Set(emojis(r.old_reaction));
  const now = emojis(r.new_reaction);
  if (now.length === 0) return r.new_reaction.length === 0 ? { emoji: null } : null;
  return { emoji: now.filter((e) => !before.has(e)).at(-1) ?? now.at(-1)! };
}

/**
 * A business account's chat (Telegram Business): the customer's messages are inbound; what the
 * business wrote in Telegram itself comes too, and is stored as outbound. In a private chat the
 * chat id is the other party's user id, so a sender other than the chat is the business.
 */
function mapBusiness(u: TelegramUpdate, received: Date): InboundEvent[] {
  if (u.deleted_business_messages) {
    const d = u.deleted_business_messages;
    const contact = businessContactId(d.business_connection_id, d.chat.id);
    return d.message_ids.map((messageId) => ({ type: 'deleted', externalMessageId: telegramMessageId(contact, messageId), ifUnknown: 'ignore' }));
  }
  const m = (u.business_message ?? u.edited_business_message)!;
  if (!privateChat(m.chat)) return [{ type: 'ignored', reason: `Telegram Business ${m.chat?.type ?? 'unknown'} chat` }];
  // Without its connection (the Bot API marks the field optional) the message is still kept; a reply cannot go out.
  const contact = businessContactId(m.business_connection_id, m.chat.id);
  const fromBusiness = m.from !== undefined && String(m.from.id) !== String(m.chat.id);
  const text = m.text ?? m.caption ?? null;
  const attachments = telegramAttachments(m);
  const externalMessageId = telegramMessageId(contact, m.message_id);
  const sentAt = at(m.date, received);
  if (u.edited_business_message) {
    const asNew = fromBusiness
      ? 'ignore'
      : { message: { externalContactId: contact, contactName: displayName(m.from), externalMessageId, text, attachments, sentAt } };
    return [{ type: 'edited', externalMessageId, text, attachments, editedAt: at(m.edit_date, received), ifUnknown: asNew }];
  }
  if (fromBusiness) return [{ type: 'echo', externalContactId: contact, externalMessageId, text, attachments, sentAt }];
  return [
    {
      type: 'message',
      message: {
        externalContactId: contact,
        contactName: displayName(m.from),
        externalMessageId,
        text,
        attachments,
        context: forwardedContext(m),
        sentAt,
        replyToExternalId: m.reply_to_message ? telegramMessageId(contact, m.reply_to_message.message_id) : null,
      },
    },
  ];
}

const privateChat = (chat: TgChat | undefined) => chat?.type === 'private';
const forwardedContext = (m: TgMessage): MessageContext | null => (m.forwarded ? { forwarded: 'once' } : null);

/**
 * Telegram update -> inbox events. Only private chats (one End User and the bot) are
 * conversations; updates from groups, supergroups and channels are ignored.
 */
export function mapTelegramPayload(payload: TelegramPayload): InboundEvent[] {
  const stored = payload as Partial<TelegramStoredUpdate>;
  const u = stored.update ?? (payload as TelegramUpdate);
  const received = stored.receivedAt ? new Date(stored.receivedAt) : new Date();

  if (u.message || u.edited_message) {
    const m = (u.message ?? u.edited_message)!;
    if (!privateChat(m.chat)) return [{ type: 'ignored', reason: `Telegram ${m.chat?.type ?? 'unknown'} chat` }];
    const chatId = String(m.chat.id);
    const text = m.text ?? m.caption ?? null;
    const attachments = telegramAttachments(m);
    const externalMessageId = telegramMessageId(chatId, m.message_id);
    const message = {
      externalContactId: chatId,
      contactName: displayName(m.from),
      externalMessageId,
      text,
      attachments,
      context: forwardedContext(m),
      sentAt: at(m.date, received),
      replyToExternalId: m.reply_to_message ? telegramMessageId(chatId, m.reply_to_message.message_id) : null,
    };
    // Telegram sends a chat's updates in order: an edit of a message never seen (sent before the
    // bot's webhook was set, say) will not be followed by the original, so it is a message of its own.
    if (u.edited_message) return [{ type: 'edited', externalMessageId, text, attachments, editedAt: at(m.edit_date, received), ifUnknown: { message } }];
    return [{ type: 'message', message }];
  }

  if (u.business_message || u.edited_business_message || u.deleted_business_messages) return mapBusiness(u, received);

  if (u.message_reaction) {
    const r = u.message_reaction;
    if (!privateChat(r.chat)) return [{ type: 'ignored', reason: `Telegram ${r.chat?.type ?? 'unknown'} chat reaction` }];
    const now = reactionNow(r);
    if (!now) return [{ type: 'ignored', reason: 'Telegram reaction with custom emoji only' }];
    const chatId = String(r.chat.id);
    return [
      {
        type: 'reaction',
        externalMessageId: telegramMessageId(chatId, r.message_id),
        externalContactId: chatId,
        action: now.emoji ? 'react' : 'unreact',
        emoji: now.emoji,
      },
    ];
  }

  if (u.business_connection) {
    const c = u.business_connection;
    // The Customer must know when customers' chats start or stop reaching the inbox, and whether replies can go out.
    if (!c.is_enabled)
      return [
        {
          type: 'notice',
          kind: 'channel.business_disconnected',
          message: 'a Telegram Business account disconnected the bot: its chats no longer reach the inbox',
        },
      ];
    return [
      {
        type: 'notice',
        kind: 'channel.business_connected',
        message: c.can_reply
          ? "a Telegram Business account connected the bot: its customers' chats now reach the inbox, and replies go out through it"
          : "a Telegram Business account connected the bot without the right to reply: its customers' chats reach the inbox, replies will fail until it allows the bot to reply",
      },
    ];
  }

  if (u.callback_query) {
    const q = u.callback_query;
    if (!q.message) return [{ type: 'ignored', reason: 'Telegram callback query of an inline message' }];
    if (!privateChat(q.message.chat)) return [{ type: 'ignored', reason: `Telegram ${q.message.chat?.type ?? 'unknown'} chat` }];
    const chatId = String(q.message.chat.id);
    const label = q.message.reply_markup?.inline_keyboard?.flat().find((b) => b.callback_data !== undefined && b.callback_data === q.data)?.text;
    return [
      {
        type: 'message',
        message: {
          externalContactId: chatId,
          contactName: displayName(q.from),
          // Callback query ids are unique per bot.
          externalMessageId: `callback:${q.id}`,
          text: label ?? q.data ?? '(button)',
          attachments: [],
          context: { choice: compact<NonNullable<MessageContext['choice']>>({ kind: 'callback', id: q.data, title: label }) },
          sentAt: received,
          replyToExternalId: telegramMessageId(chatId, q.message.message_id),
        },
      },
    ];
  }

  if (u.my_chat_member) {
    const c = u.my_chat_member;
    if (!privateChat(c.chat)) return [{ type: 'ignored', reason: `Telegram ${c.chat?.type ?? 'unknown'} chat membership` }];
    const status = c.new_chat_member?.status;
    // In a private chat the bot is `kicked` when the End User blocks it, a `member` again when they unblock (or /start) it.
    if (status === 'kicked' || status === 'member') {
      return [{ type: 'blocked', externalContactId: String(c.chat.id), blocked: status === 'kicked', at: at(c.date, received) }];
    }
    return [{ type: 'ignored', reason: `Telegram chat member status ${status ?? 'unknown'}` }];
  }

  return [{ type: 'ignored', reason: 'Telegram update of a kind the inbox does not use' }];
}
