import type { Attachment, InboundEvent } from '../../../libs/domain/src';
import { telegramMessageId } from './telegram.gateway';

// Telegram Bot API shapes, as far as the inbox reads them (https://core.telegram.org/bots/api#update).
type Id = number | string;
interface TgUser {
  id: Id;
  is_bot?: boolean;
  first_name?: string;
  last_name?: string;
  username?: string;
}
interface TgChat {
  id: Id;
  type?: string;
}
interface TgFile {
  file_id: string;
  file_unique_id?: string;
  file_size?: number;
  mime_type?: string;
  file_name?: string;
  width?: number;
  height?: number;
}
interface TgButton {
  text?: string;
  callback_data?: string;
}
interface TgMessage {
  message_id: number;
  from?: TgUser;
  chat: TgChat;
  date: number;
  edit_date?: number;
  text?: string;
  caption?: string;
  photo?: TgFile[];
  document?: TgFile;
  video?: TgFile;
  audio?: TgFile;
  voice?: TgFile;
  video_note?: TgFile;
  sticker?: TgFile & { emoji?: string };
  location?: { latitude: number; longitude: number };
  reply_to_message?: { message_id: number };
  reply_markup?: { inline_keyboard?: TgButton[][] };
  /** Ours: a kind of content the inbox does not keep (contact card, poll, dice...), by name only. */
  other?: string;
}
interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  data?: string;
}
interface TgChatMemberUpdated {
  chat: TgChat;
  from: TgUser;
  date: number;
  old_chat_member?: { status?: string };
  new_chat_member?: { status?: string };
}
export interface TelegramUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: TgChatMemberUpdated;
}

/** What the webhook controller stores for one update; the processor maps it later. */
export interface TelegramStoredUpdate {
  /** When we received it: a callback query carries no date of its own. */
  receivedAt: string;
  /** The update with only the fields the inbox uses, user and chat ids as strings. */
  update: TelegramUpdate;
}

/** What the mapper reads: a stored update (a bare update, as rows stored before `receivedAt` existed, reads too). */
export type TelegramPayload = TelegramStoredUpdate | TelegramUpdate;

const UPDATE_KINDS = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;
/** Content kinds of a message we show only by name (no content is kept). */
const OTHER_CONTENT = ['contact', 'poll', 'dice', 'game', 'venue', 'invoice', 'story', 'paid_media', 'checklist'];

const str = (v: unknown, max = 4096): string | undefined => (typeof v === 'string' ? v.slice(0, max) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const id = (v: unknown): string | undefined =>
  (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) ? String(v) : undefined;
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function pruneUser(v: unknown): TgUser | undefined {
  const u = obj(v);
  const userId = id(u?.id);
  if (!u || !userId) return undefined;
  return compact({
    id: userId,
    is_bot: u.is_bot === true ? true : undefined,
    first_name: str(u.first_name, 256),
    last_name: str(u.last_name, 256),
    username: str(u.username, 64),
  });
}

function pruneChat(v: unknown): TgChat | undefined {
  const c = obj(v);
  const chatId = id(c?.id);
  return c && chatId ? { id: chatId, type: str(c.type, 32) } : undefined;
}

function pruneFile(v: unknown): TgFile | undefined {
  const f = obj(v);
  const fileId = str(f?.file_id, 512);
  if (!f || !fileId) return undefined;
  return compact({
    file_id: fileId,
    file_unique_id: str(f.file_unique_id, 128),
    file_size: num(f.file_size),
    mime_type: str(f.mime_type, 128),
    file_name: str(f.file_name, 512),
    width: num(f.width),
    height: num(f.height),
  });
}

/** Of the sizes Telegram offers for a photo, the largest. */
function largestPhoto(v: unknown): TgFile | undefined {
  if (!Array.isArray(v)) return undefined;
  const sizes = v.map(pruneFile).filter((f): f is TgFile => !!f);
  const area = (f: TgFile) => (f.width ?? 0) * (f.height ?? 0);
  return sizes.reduce<TgFile | undefined>(
    (best, f) => (!best || area(f) > area(best) || (area(f) === area(best) && (f.file_size ?? 0) > (best.file_size ?? 0)) ? f : best),
    undefined,
  );
}

function pruneMessage(v: unknown): TgMessage | undefined {
  const m = obj(v);
  const chat = pruneChat(m?.chat);
  const messageId = num(m?.message_id);
  if (!m || !chat || messageId === undefined) return undefined;
  const photo = largestPhoto(m.photo);
  const sticker = pruneFile(m.sticker);
  const location = obj(m.location);
  const keyboard = obj(m.reply_markup)?.inline_keyboard;
  const buttons = Array.isArray(keyboard)
    ? keyboard.map((row) =>
        Array.isArray(row) ? row.map((b) => compact({ text: str(obj(b)?.text, 256), callback_data: str(obj(b)?.callback_data, 64) })) : [],
      )
    : undefined;
  return compact({
    message_id: messageId,
    from: pruneUser(m.from),
    chat,
    date: num(m.date) ?? 0,
    edit_date: num(m.edit_date),
    text: str(m.text),
    caption: str(m.caption, 1024),
    photo: photo ? [photo] : undefined,
    document: pruneFile(m.document),
    video: pruneFile(m.video),
    audio: pruneFile(m.audio),
    voice: pruneFile(m.voice),
    video_note: pruneFile(m.video_note),
    sticker: sticker ? compact({ ...sticker, emoji: str(obj(m.sticker)?.emoji, 16) }) : undefined,
    location:
      location && num(location.latitude) !== undefined && num(location.longitude) !== undefined
        ? { latitude: location.latitude as number, longitude: location.longitude as number }
        : undefined,
    reply_to_message: num(obj(m.reply_to_message)?.message_id) !== undefined ? { message_id: obj(m.reply_to_message)!.message_id as number } : undefined,
    reply_markup: buttons ? { inline_keyboard: buttons } : undefined,
    other: OTHER_CONTENT.find((k) => m[k] !== undefined),
  });
}

export type ParsedTelegramUpdate =
  | { ok: false }
  | {
      ok: true;
      updateId: number;
      stored: TelegramStoredUpdate;
      /** Why the update is not for the inbox (a group chat, a kind we do not use): acknowledged, not stored. */
      ignore: string | null;
      callbackQueryId: string | null;
    };

/**
 * Reads an update as posted to the webhook and keeps only what the inbox uses (data minimisation:
 * no language code, premium flag, entities, thumbnails...). User and chat ids become strings, so
 * the stored payload names the End User the way erasure looks for them.
 */
export function parseTelegramUpdate(body: unknown, receivedAt: Date): ParsedTelegramUpdate {
  const u = obj(body);
  const updateId = num(u?.update_id);
  if (!u || updateId === undefined || !Number.isInteger(updateId)) return { ok: false };
  const update: TelegramUpdate = { update_id: updateId };
  let chatType: string | null = null;
  let callbackQueryId: string | null = null;
  const kind = UPDATE_KINDS.find((k) => u[k] !== undefined);
  if (kind === 'message' || kind === 'edited_message') {
    const m = pruneMessage(u[kind]);
    if (m) update[kind] = m;
    chatType = m?.chat.type ?? null;
  } else if (kind === 'callback_query') {
    const q = obj(u.callback_query);
    const from = pruneUser(q?.from);
    const queryId = str(q?.id, 128);
    if (q && from && queryId) {
      const message = pruneMessage(q.message);
      update.callback_query = compact({ id: queryId, from, message, data: str(q.data, 64) });
      chatType = message?.chat.type ?? null;
      callbackQueryId = queryId;
    }
  } else if (kind === 'my_chat_member') {
    const c = obj(u.my_chat_member);
    const chat = pruneChat(c?.chat);
    const from = pruneUser(c?.from);
    if (c && chat && from) {
      update.my_chat_member = {
        chat,
        from,
        date: num(c.date) ?? 0,
        old_chat_member: { status: str(obj(c.old_chat_member)?.status, 32) },
        new_chat_member: { status: str(obj(c.new_chat_member)?.status, 32) },
      };
      chatType = chat.type ?? null;
    }
  }
  const ignore =
    !kind || Object.keys(update).length === 1
      ? `an update of a kind the inbox does not use`
      : chatType !== 'private'
        ? `a ${chatType ?? 'unknown'} chat (only private chats are conversations)`
        : null;
  return { ok: true, updateId, stored: { receivedAt: receivedAt.toISOString(), update }, ignore, callbackQueryId };
}

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
  if (m.sticker) file('image', m.sticker);
  file('video', m.video);
  file('video', m.video_note, 'video/mp4');
  file('audio', m.audio);
  file('audio', m.voice, 'audio/ogg');
  // An animation (GIF) comes with a `document` too: it is kept once, as that file.
  if (m.document && !out.some((a) => a.ref === m.document!.file_id)) file('file', m.document);
  if (m.location) out.push({ type: 'location', url: `geo:${m.location.latitude},${m.location.longitude}` });
  if (out.length === 0 && m.other) out.push({ type: 'other', name: m.other });
  return out;
}

const at = (unixSeconds: number | undefined, fallback: Date) => (unixSeconds ? new Date(unixSeconds * 1000) : fallback);

/**
 * Telegram update -> inbox events. Only private chats (one End User and the bot) are
 * conversations; updates from groups, supergroups and channels are ignored.
 */
export function mapTelegramPayload(payload: TelegramPayload): InboundEvent[] {
  const stored = payload as Partial<TelegramStoredUpdate>;
  const u = stored.update ?? (payload as TelegramUpdate);
  const received = stored.receivedAt ? new Date(stored.receivedAt) : new Date();
  const privateChat = (chat: TgChat | undefined) => chat?.type === 'private';

  if (u.message || u.edited_message) {
    const m = (u.message ?? u.edited_message)!;
    if (!privateChat(m.chat)) return [{ type: 'ignored', reason: `Telegram ${m.chat?.type ?? 'unknown'} chat` }];
    const chatId = String(m.chat.id);
    const text = m.text ?? m.caption ?? null;
    const attachments = telegramAttachments(m);
    const externalMessageId = telegramMessageId(chatId, m.message_id);
    if (u.edited_message) {
      return [{ type: 'edited', externalMessageId, text, attachments, editedAt: at(m.edit_date, received) }];
    }
    return [
      {
        type: 'message',
        message: {
          externalContactId: chatId,
          contactName: displayName(m.from),
          externalMessageId,
          text,
          attachments,
          sentAt: at(m.date, received),
          replyToExternalId: m.reply_to_message ? telegramMessageId(chatId, m.reply_to_message.message_id) : null,
        },
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
