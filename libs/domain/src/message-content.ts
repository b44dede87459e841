/**
 * What a message carries besides its text, the same for every channel: each mapper turns its
 * platform's shapes into these, so the inbox, the API and a later mapper read one model.
 *
 * Media (image, video, audio, file, sticker) carry a file by `url` or `ref`; the other kinds carry
 * their content in `detail`. Every non-media attachment also gets a short readable `name`
 * (a place, a contact's name, a poll's question...), so a client that knows only the type still
 * shows what arrived.
 */
export const ATTACHMENT_TYPES = [
  'image',
  'video',
  'audio',
  'file',
  'sticker',
  'location',
  'contacts',
  'order',
  'poll',
  'link',
  'share',
  'story_mention',
  'reel',
  'referral',
  'system',
  'other',
] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

export interface AudioDetail {
  /** Recorded in the app as a voice note (not a sent audio file). */
  voice: boolean;
}

export interface StickerDetail {
  animated?: boolean;
  /** The emoji the sticker stands for (Telegram). */
  emoji?: string;
  /** The platform's id of the sticker itself (Messenger's like sticker), not of a file. */
  stickerId?: string;
}

export interface LocationDetail {
  latitude: number;
  longitude: number;
  /** A place's name (a venue's title). */
  name?: string;
  address?: string;
}

export interface SharedContact {
  name: string | null;
  phones: Array<{ phone: string; type?: string; /** The number's WhatsApp id, when it has one. */ waId?: string }>;
  emails?: string[];
  organization?: string;
}

export interface ContactsDetail {
  contacts: SharedContact[];
}

export interface OrderDetail {
  catalogId?: string;
  /** What the End User wrote with the order. */
  note?: string;
  items: Array<{ productId: string; quantity: number; itemPrice?: number; currency?: string }>;
}

export interface PollDetail {
  question: string;
  options: string[];
  multipleAnswers?: boolean;
  anonymous?: boolean;
}

export interface LinkDetail {
  title?: string;
}

/** A post, reel or story the End User shared, or one that mentions the business (url on the attachment). */
export interface ShareDetail {
  /** The post's caption or title, as the platform sends it. */
  caption?: string;
  /** The platform's id of the shared media (Instagram `ig_post_media_id`). */
  mediaId?: string;
}

/** Where the End User came from: an ad, a post, a link; which ad, which post. */
export interface ReferralDetail {
  /** `ad`, `post`, `shortlink`... as the platform names it, lower case. */
  source: string;
  adId?: string;
  postId?: string;
  headline?: string;
  body?: string;
  /** The ad's or post's URL. */
  sourceUrl?: string;
  mediaUrl?: string;
  /** The `ref` parameter the business put on the ad or link. */
  ref?: string;
  /** Meta's click id of a click-to-WhatsApp ad (`ctwa_clid`), for conversion reporting. */
  clickId?: string;
}

/** Something the platform says about the End User, not something they wrote. */
export interface SystemDetail {
  event: 'identity_changed' | 'number_changed' | (string & {});
  /** A number change: the End User's new platform id. */
  newExternalId?: string;
}

/**
 * A typed placeholder: content the inbox cannot render yet (a WhatsApp Flow answer, a payment, a
 * kind the platform added later). `what` names it for code, `summary` for people; `data` keeps
 * what a later version may render.
 */
export interface PlaceholderDetail {
  what: string;
  summary: string;
  data?: Record<string, unknown>;
  /** The platform's own error about this content (WhatsApp `errors`). */
  error?: { code: string; text: string };
}

export interface AttachmentDetails {
  audio: AudioDetail;
  sticker: StickerDetail;
  location: LocationDetail;
  contacts: ContactsDetail;
  order: OrderDetail;
  poll: PollDetail;
  link: LinkDetail;
  share: ShareDetail;
  story_mention: ShareDetail;
  reel: ShareDetail;
  referral: ReferralDetail;
  system: SystemDetail;
  other: PlaceholderDetail;
}

/**
 * Where the copy of an inbound file stands: `pending` until the processor's media job fetched it
 * from the platform into the tenant's media store, then `stored` (its `uploadId` names the copy)
 * or `failed`, with `failure` saying why. Absent: nothing to copy (our own uploads, non-media).
 */
export const MEDIA_COPY_STATES = ['pending', 'stored', 'failed'] as const;
export type MediaCopyState = (typeof MEDIA_COPY_STATES)[number];

/**
 * Why a copy failed: larger than the platform's limit, gone at the platform (an expired link),
 * of a kind the channel cannot fetch, the tenant's storage full, or the platform kept failing.
 */
export const MEDIA_COPY_FAILURES = ['too_large', 'not_found', 'unsupported', 'quota_exceeded', 'fetch_failed'] as const;
export type MediaCopyFailure = (typeof MEDIA_COPY_FAILURES)[number];

interface AttachmentBase {
  url?: string;
  mimeType?: string;
  name?: string;
  /** Platform-specific reference (e.g. a WhatsApp media id) kept for lazy download. */
  ref?: string;
  sha256?: string;
  /** A file we store (POST /api/uploads): its bytes are ours, in the tenant's region. */
  uploadId?: string;
  /** Bytes, where we know them (stored files). */
  size?: number;
  /** Inbound files: the copy into our media store (see MediaCopyState). */
  state?: MediaCopyState;
  /** Set with `state: 'failed'`. */
  failure?: MediaCopyFailure;
}

/** One attachment; `detail` is typed by `type`. */
export type Attachment<T extends AttachmentType = AttachmentType> = {
  [K in T]: AttachmentBase & { type: K; detail?: K extends keyof AttachmentDetails ? AttachmentDetails[K] : never };
}[T];

/** What the platform says about the message as a whole. */
export interface MessageContext {
  /** Forwarded by the End User: `many` when the platform flags it as forwarded many times. */
  forwarded?: 'once' | 'many';
  /** The button, list row or quick reply the End User chose, with the id or payload the business gave it. */
  choice?: { kind: 'button' | 'list' | 'quick_reply' | 'postback' | 'callback'; id?: string; title?: string; description?: string };
}

const clean = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;

/** Builders that keep `name` and `detail` consistent across mappers. */
export const attachment = {
  location(d: LocationDetail, url?: string): Attachment<'location'> {
    const detail = clean(d);
    return clean({
      type: 'location' as const,
      url: url ?? `geo:${d.latitude},${d.longitude}`,
      name: [d.name, d.address].filter(Boolean).join(', ') || undefined,
      detail,
    });
  },
  contacts(contacts: SharedContact[]): Attachment<'contacts'> {
    const name = contacts.map((c) => [c.name, ...c.phones.map((p) => p.phone)].filter(Boolean).join(' ')).join('; ') || undefined;
    return clean({ type: 'contacts' as const, name, detail: { contacts } });
  },
  order(d: OrderDetail): Attachment<'order'> {
    const count = d.items.reduce((n, i) => n + i.quantity, 0);
    return clean({ type: 'order' as const, name: `Order: ${count} item${count === 1 ? '' : 's'}`, detail: clean(d) });
  },
  poll(d: PollDetail): Attachment<'poll'> {
    return { type: 'poll', name: d.question, detail: clean(d) };
  },
  placeholder(d: PlaceholderDetail): Attachment<'other'> {
    return { type: 'other', name: d.summary, detail: clean(d) };
  },
  referral(d: ReferralDetail): Attachment<'referral'> {
    const detail = clean(d);
    const name = d.headline ?? (d.adId ? `Ad ${d.adId}` : d.postId ? `Post ${d.postId}` : `From ${d.source}`);
    return clean({ type: 'referral' as const, url: d.sourceUrl, name, detail });
  },
  system(d: SystemDetail, text: string): Attachment<'system'> {
    return { type: 'system', name: text, detail: clean(d) };
  },
};
