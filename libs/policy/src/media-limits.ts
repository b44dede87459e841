/**
 * The largest file each platform takes per kind of attachment, in bytes, as the platforms document
 * them (checked 2026-12). An upload is refused against the platform of the channel it is sent on,
 * before it is queued, so an agent learns it at once instead of from a failed delivery.
 */
export type MediaKind = 'image' | 'video' | 'audio' | 'file';
export type MediaLimits = Readonly<Record<MediaKind, number>>;

const MB = 1024 * 1024;

/**
 * WhatsApp Cloud API, "Supported media types" (developers.facebook.com/docs/whatsapp/cloud-api/reference/media):
 * images (JPEG, PNG) 5 MB; video (MP4, 3GPP) and audio (AAC, AMR, MP3, M4A, OGG/Opus) 16 MB;
 * documents (PDF, Office, text) 100 MB.
 */
export const WHATSAPP_MEDIA_LIMITS: MediaLimits = { image: 5 * MB, video: 16 * MB, audio: 16 * MB, file: 100 * MB };

/**
 * Messenger Platform, "Saving assets" / Attachment Upload API
 * (developers.facebook.com/docs/messenger-platform/send-messages/saving-assets): assets up to 25 MB
 * (images fetched by URL: 8 MB).
 */
export const MESSENGER_MEDIA_LIMITS: MediaLimits = { image: 8 * MB, video: 25 * MB, audio: 25 * MB, file: 25 * MB };

/**
 * Instagram Messaging API, "Send media" (developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api):
 * images (PNG, JPEG, GIF) 8 MB; audio and video 25 MB; PDF files 25 MB.
 */
export const INSTAGRAM_MEDIA_LIMITS: MediaLimits = { image: 8 * MB, video: 25 * MB, audio: 25 * MB, file: 25 * MB };

/**
 * Telegram Bot API, "Sending files" (core.telegram.org/bots/api#sending-files): uploaded with
 * multipart/form-data, photos up to 10 MB and other files up to 50 MB.
 */
export const TELEGRAM_MEDIA_LIMITS: MediaLimits = { image: 10 * MB, video: 50 * MB, audio: 50 * MB, file: 50 * MB };

/**
 * Telegram Bot API, "getFile" (core.telegram.org/bots/api#getfile): a bot can download files of up
 * to 20 MB; a larger file's getFile answers an error, so it cannot be copied.
 */
export const TELEGRAM_DOWNLOAD_LIMITS: MediaLimits = { image: 20 * MB, video: 20 * MB, audio: 20 * MB, file: 20 * MB };

/**
 * Twilio Programmable Messaging, "Accepted content types for media"
 * (twilio.com/docs/messaging/guides/accepted-mime-types): an MMS, text and media together, stays
 * under 5 MB (error 63034/11751 above it); carriers may take less for non-image files.
 */
export const MMS_MEDIA_LIMITS: MediaLimits = { image: 5 * MB, video: 5 * MB, audio: 5 * MB, file: 5 * MB };

/**
 * E-mail has no protocol limit; the big mailbox providers refuse messages over 25 MB (Gmail:
 * support.google.com/mail/answer/6584; Outlook.com 20 MB for attachments). Base64 makes a file
 * about 4/3 larger on the wire, so 18 MB of file is the most that arrives at either.
 */
export const EMAIL_MEDIA_LIMITS: MediaLimits = { image: 18 * MB, video: 18 * MB, audio: 18 * MB, file: 18 * MB };

/** The web chat widget is ours: the limit is what a visitor's connection and the tenant's quota bear. */
export const WEBCHAT_MEDIA_LIMITS: MediaLimits = { image: 10 * MB, video: 25 * MB, audio: 25 * MB, file: 25 * MB };

/** No platform takes more than this for any kind: the ceiling of an upload not yet bound to a channel. */
export const LARGEST_MEDIA_BYTES = Math.max(
  ...[
    WHATSAPP_MEDIA_LIMITS,
    MESSENGER_MEDIA_LIMITS,
    INSTAGRAM_MEDIA_LIMITS,
    TELEGRAM_MEDIA_LIMITS,
    MMS_MEDIA_LIMITS,
    EMAIL_MEDIA_LIMITS,
    WEBCHAT_MEDIA_LIMITS,
  ].flatMap((l) => Object.values(l)),
);

const PICTURES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * Which of a platform's media kinds a file of this content type is sent as: pictures the apps
 * show inline (not SVG, which is a document that can carry script), video and audio by their
 * type, everything else as a file.
 */
export function mediaKindOf(mimeType: string): MediaKind {
  if (PICTURES.has(mimeType)) return 'image';
  const top = mimeType.split('/')[0];
  return top === 'video' || top === 'audio' ? top : 'file';
}

/** What a web chat visitor may attach unless the channel says otherwise: pictures and PDFs. */
export const WEBCHAT_DEFAULT_UPLOAD_TYPES: readonly string[] = ['image/*', 'application/pdf'];

/** A channel's allowed-types entry: `type/subtype` or `type/*`. */
export const UPLOAD_TYPE_PATTERN = /^(image|audio|video|application|text)\/(\*|[a-z0-9][a-z0-9.+-]{0,99})$/;

/** Whether a sniffed content type is one of `patterns` (`image/*` takes any picture, never SVG: it can carry script). */
export function uploadTypeAllowed(patterns: readonly string[], mimeType: string): boolean {
  return patterns.some((p) => (p.endsWith('/*') ? mimeType.startsWith(p.slice(0, -1)) && mimeType !== 'image/svg+xml' : p === mimeType));
}
