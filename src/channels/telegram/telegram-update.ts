/**
 * A Telegram webhook update as we keep it: parsed on the ACK path, pruned to what the inbox reads
 * (nothing else of the sender is stored), with the reason when it is acknowledged but not kept.
 * telegram.mapper.ts turns the stored shape into inbound events on the processor path.
 */

// Telegram Bot API shapes, as far as the inbox reads them (https://core.telegram.org/bots/api#update).
type Id = number | string;
export interface TgUser {
  id: Id;
  is_bot?: boolean;
  first_name?: string;
  last_name?: string;
  username?: string;
}
export interface TgChat {
  id: Id;
  type?: string;
}
export interface TgFile {
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
export interface TgMessage {
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
  sticker?: TgFile & { emoji?: string; is_animated?: boolean; is_video?: boolean };
  location?: { latitude: number; longitude: number };
  /** A shared contact card: what the End User chose to send (name and number). */
  contact?: { phone_number?: string; first_name?: string; last_name?: string };
  poll?: { question: string; options: string[]; allows_multiple_answers?: boolean; is_anonymous?: boolean };
  venue?: { latitude: number; longitude: number; title?: string; address?: string };
  successful_payment?: { currency?: string; total_amount?: number; invoice_payload?: string };
  /** Set when the message was forwarded (`forward_origin`, or `forward_date` of older Bot API versions). */
  forwarded?: true;
  reply_to_message?: { message_id: number };
  reply_markup?: { inline_keyboard?: TgButton[][] };
  /** Set on the messages of a business account connected to the bot (Telegram Business). */
  business_connection_id?: string;
  /** Ours: a kind of content the inbox does not keep (contact card, poll, dice...), by name only. */
  other?: string;
  /** Ours: what a placeholder may say of that content (a dice's value, an invoice's title and amount), nothing personal. */
  other_detail?: Record<string, string | number>;
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
export interface TgReaction {
  type?: string;
  emoji?: string;
}
export interface TgMessageReaction {
  chat: TgChat;
  message_id: number;
  date: number;
  old_reaction: TgReaction[];
  new_reaction: TgReaction[];
}
/** The bot was connected to (or disconnected from) a Telegram Business account, or its rights changed. */
interface TgBusinessConnection {
  id: string;
  /** The business account's own user id: its chats with customers come as business messages. */
  user_chat_id?: string;
  date: number;
  can_reply?: boolean;
  is_enabled?: boolean;
}
interface TgBusinessMessagesDeleted {
  business_connection_id: string;
  chat: TgChat;
  message_ids: number[];
}
export interface TelegramUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: TgChatMemberUpdated;
  message_reaction?: TgMessageReaction;
  business_connection?: TgBusinessConnection;
  business_message?: TgMessage;
  edited_business_message?: TgMessage;
  deleted_business_messages?: TgBusinessMessagesDeleted;
}

/** What the webhook controller stores for one update; the processor maps it later. */
export interface TelegramStoredUpdate {
  /** When we received it: a callback query carries no date of its own. */
  receivedAt: string;
  /** The update with only the fields the inbox uses, user and chat ids as strings. */
  update: TelegramUpdate;
  /**
   * A business chat's End User as the inbox names them (`business:<connection>:<chat id>`), kept
   * in the payload so erasure, which looks for that name, finds the update.
   */
  endUser?: string;
}

/** What the mapper reads: a stored update (a bare update, as rows stored before `receivedAt` existed, reads too). */
export type TelegramPayload = TelegramStoredUpdate | TelegramUpdate;

const UPDATE_KINDS = [
  'message',
  'edited_message',
  'callback_query',
  'my_chat_member',
  'message_reaction',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
] as const;
/** Content kinds of a message the inbox cannot show yet: a typed placeholder names them (no content is kept). */
const OTHER_CONTENT = ['dice', 'game', 'invoice', 'story', 'paid_media', 'checklist', 'giveaway', 'giveaway_winners', 'refunded_payment'];

const str = (v: unknown, max = 4096): string | undefined => (typeof v === 'string' ? v.slice(0, max) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const id = (v: unknown): string | undefined =>
  (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) ? String(v) : undefined;
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
export const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

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

/** The little a placeholder can say of a dice, a game or an invoice; undefined for the rest. */
function otherDetail(m: Record<string, unknown>): Record<string, string | number> | undefined {
  const dice = obj(m.dice);
  const game = obj(m.game);
  const invoice = obj(m.invoice);
  const detail = dice
    ? compact({ emoji: str(dice.emoji, 16), value: num(dice.value) })
    : game
      ? compact({ title: str(game.title, 256) })
      : invoice
        ? compact({ title: str(invoice.title, 256), currency: str(invoice.currency, 8), totalAmount: num(invoice.total_amount) })
        : undefined;
  return detail && Object.keys(detail).length ? (detail as Record<string, string | number>) : undefined;
}

function pruneMessage(v: unknown): TgMessage | undefined {
  const m = obj(v);
  const chat = pruneChat(m?.chat);
  const messageId = num(m?.message_id);
  if (!m || !chat || messageId === undefined) return undefined;
  const photo = largestPhoto(m.photo);
  const sticker = pruneFile(m.sticker);
  const location = obj(m.location);
  const contact = obj(m.contact);
  const poll = obj(m.poll);
  const venue = obj(m.venue);
  const venueAt = obj(venue?.location);
  const payment = obj(m.successful_payment);
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
    sticker: sticker
      ? compact({
          ...sticker,
          emoji: str(obj(m.sticker)?.emoji, 16),
          is_animated: obj(m.sticker)?.is_animated === true ? true : undefined,
          is_video: obj(m.sticker)?.is_video === true ? true : undefined,
        })
      : undefined,
    contact: contact
      ? compact({ phone_number: str(contact.phone_number, 64), first_name: str(contact.first_name, 256), last_name: str(contact.last_name, 256) })
      : undefined,
    poll:
      poll && str(poll.question)
        ? compact({
            question: str(poll.question, 300)!,
            options: (Array.isArray(poll.options) ? poll.options : []).map((o) => str(obj(o)?.text, 100) ?? '').slice(0, 12),
            allows_multiple_answers: poll.allows_multiple_answers === true ? true : undefined,
            is_anonymous: typeof poll.is_anonymous === 'boolean' ? poll.is_anonymous : undefined,
          })
        : undefined,
    venue:
      venueAt && num(venueAt.latitude) !== undefined && num(venueAt.longitude) !== undefined
        ? compact({
            latitude: venueAt.latitude as number,
            longitude: venueAt.longitude as number,
            title: str(venue?.title, 256),
            address: str(venue?.address, 512),
          })
        : undefined,
    successful_payment: payment
      ? compact({ currency: str(payment.currency, 8), total_amount: num(payment.total_amount), invoice_payload: str(payment.invoice_payload, 128) })
      : undefined,
    forwarded: m.forward_origin !== undefined || m.forward_date !== undefined ? (true as const) : undefined,
    location:
      location && num(location.latitude) !== undefined && num(location.longitude) !== undefined
        ? { latitude: location.latitude as number, longitude: location.longitude as number }
        : undefined,
    reply_to_message: num(obj(m.reply_to_message)?.message_id) !== undefined ? { message_id: obj(m.reply_to_message)!.message_id as number } : undefined,
    reply_markup: buttons ? { inline_keyboard: buttons } : undefined,
    business_connection_id: str(m.business_connection_id, 128),
    other: OTHER_CONTENT.find((k) => m[k] !== undefined),
    other_detail: otherDetail(m),
  });
}

/** Reactions are kept by emoji only (a custom emoji has no text form; a paid one is a star). */
function pruneReactions(v: unknown): TgReaction[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((r) => obj(r))
    .filter((r): r is Record<string, unknown> => !!r)
    .map((r) => compact({ type: str(r.type, 32), emoji: r.type === 'paid' ? '⭐' : str(r.emoji, 16) }));
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
  if (kind === 'message' || kind === 'edited_message' || kind === 'business_message' || kind === 'edited_business_message') {
    const m = pruneMessage(u[kind]);
    if (m) update[kind] = m;
    chatType = m?.chat.type ?? null;
  } else if (kind === 'message_reaction') {
    const r = obj(u.message_reaction);
    const chat = pruneChat(r?.chat);
    const messageId = num(r?.message_id);
    if (r && chat && messageId !== undefined) {
      update.message_reaction = {
        chat,
        message_id: messageId,
        date: num(r.date) ?? 0,
        old_reaction: pruneReactions(r.old_reaction),
        new_reaction: pruneReactions(r.new_reaction),
      };
      chatType = chat.type ?? null;
    }
  } else if (kind === 'business_connection') {
    const c = obj(u.business_connection);
    const connectionId = str(c?.id, 128);
    if (c && connectionId) {
      const rights = obj(c.rights);
      update.business_connection = compact({
        id: connectionId,
        user_chat_id: id(c.user_chat_id),
        date: num(c.date) ?? 0,
        // `rights` replaced `can_reply` in Bot API 9.0.
        can_reply: rights ? rights.can_reply === true : c.can_reply === true,
        is_enabled: c.is_enabled === true,
      });
      chatType = 'private';
    }
  } else if (kind === 'deleted_business_messages') {
    const d = obj(u.deleted_business_messages);
    const chat = pruneChat(d?.chat);
    const connectionId = str(d?.business_connection_id, 128);
    const ids = Array.isArray(d?.message_ids) ? (d.message_ids as unknown[]).map(num).filter((n): n is number => n !== undefined) : [];
    if (d && chat && connectionId && ids.length) {
      update.deleted_business_messages = { business_connection_id: connectionId, chat, message_ids: ids.slice(0, 1000) };
      chatType = chat.type ?? null;
    }
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
  const business = update.business_message ?? update.edited_business_message ?? update.deleted_business_messages;
  const connectionId = update.deleted_business_messages?.business_connection_id ?? business?.business_connection_id;
  const endUser = business ? businessContactId(connectionId, business.chat.id) : undefined;
  const ignore =
    !kind || Object.keys(update).length === 1
      ? `an update of a kind the inbox does not use`
      : chatType !== 'private'
        ? `a ${chatType ?? 'unknown'} chat (only private chats are conversations)`
        : null;
  return { ok: true, updateId, stored: compact({ receivedAt: receivedAt.toISOString(), update, endUser }), ignore, callbackQueryId };
}

/**
 * The End User of a chat with a business account connected to the bot: another conversation than
 * their chat with the bot itself (messages are numbered per chat), answered through that connection.
 */
export const businessContactId = (connectionId: string | undefined, chatId: string | number) => `business:${connectionId ?? ''}:${chatId}`;
