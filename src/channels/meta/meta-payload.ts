// The parts of Meta's webhook payloads we read (see shared/PROTOCOLS.md). Everything is optional:
// platforms add and omit fields without notice, and a missing field must never crash the ACK path.

export interface MetaAttachment {
  type?: string;
  payload?: {
    url?: string;
    title?: string;
    sticker_id?: number | string;
    coordinates?: { lat?: number; long?: number };
    ig_post_media_id?: string;
  } | null;
  /** A shared link (`fallback`): its title and URL sit beside the payload. */
  title?: string;
  URL?: string;
  url?: string;
}

/** Where the End User came from (an ad, a link, a plugin), on a message or alone (`OPEN_THREAD`). */
export interface MetaReferral {
  ref?: string;
  ad_id?: string;
  source?: string;
  type?: string;
  referer_uri?: string;
  ads_context_data?: { ad_title?: string; photo_url?: string; video_url?: string; post_id?: string; product_id?: string };
}

export interface MetaMessagingItem {
  sender?: { id?: string };
  recipient?: { id?: string };
  timestamp?: number | string;
  message?: {
    mid?: string;
    text?: string;
    is_echo?: boolean;
    is_deleted?: boolean;
    is_unsupported?: boolean;
    attachments?: MetaAttachment[];
    reply_to?: { mid?: string; story?: { url?: string; id?: string } };
    quick_reply?: { payload?: string };
    sticker_id?: number | string;
    referral?: MetaReferral;
  };
  /** Messenger: the End User edited a message (the new text; attachments cannot be edited). */
  message_edit?: { mid?: string; text?: string; num_edit?: number };
  postback?: { mid?: string; title?: string; payload?: string; referral?: MetaReferral };
  referral?: MetaReferral;
  delivery?: { mids?: string[]; watermark?: number | string };
  read?: { watermark?: number | string; mid?: string };
  reaction?: { mid?: string; action?: 'react' | 'unreact'; reaction?: string; emoji?: string };
}

export interface WhatsAppMessage {
  from?: string;
  id?: string;
  timestamp?: string | number;
  type?: string;
  text?: { body?: string };
  image?: WhatsAppMedia;
  video?: WhatsAppMedia;
  audio?: WhatsAppMedia;
  document?: WhatsAppMedia;
  sticker?: WhatsAppMedia;
  location?: { latitude?: number; longitude?: number; name?: string; address?: string; url?: string };
  contacts?: WhatsAppSharedContact[];
  order?: {
    catalog_id?: string;
    text?: string;
    product_items?: Array<{ product_retailer_id?: string; quantity?: number | string; item_price?: number | string; currency?: string }>;
  };
  interactive?: {
    type?: string;
    button_reply?: { id?: string; title?: string };
    list_reply?: { id?: string; title?: string; description?: string };
    nfm_reply?: { name?: string; body?: string; response_json?: string };
  };
  button?: { text?: string; payload?: string };
  reaction?: { message_id?: string; emoji?: string };
  context?: { id?: string; from?: string; forwarded?: boolean; frequently_forwarded?: boolean };
  /** The user deleted a message for everyone. */
  revoke?: { original_message_id?: string };
  /** The user edited a message: `message` is the new version, of any message type. */
  edit?: { original_message_id?: string; message?: WhatsAppMessage };
  /** smb_message_echoes: the End User a message typed in the WhatsApp Business app went to. */
  to?: string;
  referral?: {
    source_url?: string;
    source_id?: string;
    source_type?: string;
    headline?: string;
    body?: string;
    media_type?: string;
    image_url?: string;
    video_url?: string;
    thumbnail_url?: string;
    ctwa_clid?: string;
  };
  system?: { body?: string; type?: string; wa_id?: string; new_wa_id?: string; customer?: string; identity?: string };
  unsupported?: { type?: string };
  errors?: WhatsAppError[];
}

export interface WhatsAppSharedContact {
  name?: { formatted_name?: string; first_name?: string; last_name?: string };
  phones?: Array<{ phone?: string; wa_id?: string; type?: string }>;
  emails?: Array<{ email?: string }>;
  org?: { company?: string };
}

export interface WhatsAppMedia {
  id?: string;
  mime_type?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
  /** Audio: recorded as a voice note. */
  voice?: boolean;
  /** Sticker: animated. */
  animated?: boolean;
}

export interface WhatsAppStatus {
  id?: string;
  status?: string;
  timestamp?: string | number;
  recipient_id?: string;
  errors?: Array<{ code?: number | string; title?: string; message?: string }>;
}

export interface WhatsAppContact {
  profile?: { name?: string };
  wa_id?: string;
}

/** A WhatsApp user's choice about the business's marketing messages (`user_preferences`). */
export interface WhatsAppUserPreference {
  wa_id?: string;
  detail?: string;
  category?: string;
  /** `stop`, `resume`, or `signup` (a sign-up link). */
  value?: string;
  timestamp?: number | string;
}

/** An error WhatsApp reports about the account or a webhook, not tied to one message. */
export interface WhatsAppError {
  code?: number | string;
  title?: string;
  message?: string;
  error_data?: { details?: string };
}

export interface WhatsAppChangeValue {
  messaging_product?: string;
  metadata?: { display_phone_number?: string; phone_number_id?: string };
  contacts?: WhatsAppContact[];
  messages?: WhatsAppMessage[];
  statuses?: WhatsAppStatus[];
  /** smb_message_echoes: messages the business typed in the WhatsApp Business app. */
  message_echoes?: WhatsAppMessage[];
  user_preferences?: WhatsAppUserPreference[];
  errors?: WhatsAppError[];
}

/**
 * `account_update`: news about the WhatsApp Business Account itself (entry.id is the WABA).
 * Restrictions carry `restriction_info`, bans `ban_info`, policy violations `violation_info`.
 */
export interface WhatsAppAccountUpdate {
  event?: string;
  restriction_info?: Array<{ restriction_type?: string; expiration?: number | string }>;
  ban_info?: { waba_ban_state?: string; waba_ban_date?: string };
  violation_info?: { violation_type?: string };
}

export interface MetaWebhookBody {
  object?: string;
  entry?: Array<{
    id?: string;
    time?: number;
    messaging?: MetaMessagingItem[];
    /** Items for a Page (or Instagram account) whose primary receiver is another app (Meta Business Suite, say): the same shape. */
    standby?: MetaMessagingItem[];
    changes?: Array<{ field?: string; value?: WhatsAppChangeValue }>;
  }>;
}

/** Meta sends times as ms numbers, ms strings or (WhatsApp) unix-second strings. */
export function metaTime(value: number | string | undefined, unit: 'ms' | 's' = 'ms'): Date {
  // Some senders (and replays) give an ISO 8601 time instead.
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) && Number.isFinite(Date.parse(value))) return new Date(Date.parse(value));
  const n = typeof value === 'string' ? Number(value) : value;
  if (n === undefined || !Number.isFinite(n)) return new Date();
  return new Date(unit === 's' ? n * 1000 : n);
}

/** What is stored for one `entry.messaging[]` item of a Page or an Instagram account. */
export interface MetaMessagingPayload {
  item: MetaMessagingItem;
}

/** What is stored for one WhatsApp message (with its sender's contact) or status (see the splitter). */
export interface WhatsAppPayload {
  message?: WhatsAppMessage;
  contact?: WhatsAppContact | null;
  status?: WhatsAppStatus;
  /** A message the business typed in the WhatsApp Business app (smb_message_echoes). */
  echo?: WhatsAppMessage;
  preference?: WhatsAppUserPreference;
  /** Errors of a `messages` change not tied to one message. */
  errors?: WhatsAppError[];
  /** News about the business account, stored for each of its numbers. */
  accountUpdate?: WhatsAppAccountUpdate;
}
