import { DiscoveryService } from '@nestjs/core';
import { Attachment, ChannelGateway, ChannelKind, DomainError, InboundEvent, TenantRef, invalid } from '../../../libs/domain/src';
import { DataOrigin, MediaLimits, ReplyMode, SendLimit } from '../../../libs/policy/src';
import type { FetchedMedia } from './media-fetch';

export interface ValidatedChannel {
  config: Record<string, unknown>;
  credentials: Record<string, string>;
  /** The platform account this channel is (page id, phone number...): unique across tenants. */
  routingKey: string | null;
}

export interface ConnectContext {
  tenantId: string;
  channelId: string;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}

/** What a platform handshake learned or made: merged into the channel before it is stored. */
export interface ConnectResult {
  config?: Record<string, unknown>;
  credentials?: Record<string, string>;
  routingKey?: string;
  /** Secrets made here that the Customer must copy: in the connect response once, never again. */
  revealOnce?: Record<string, string>;
}

/**
 * What a kind's platform allows when an agent sends; ConversationService and the sender consult
 * these instead of naming kinds.
 */
export interface ChannelCapabilities {
  /** Attachments can be sent by URL. */
  readonly attachments: boolean;
  /** Uploaded files can be sent, up to these sizes per kind (libs/policy media-limits, with the platforms' documents cited). */
  readonly media?: MediaLimits;
  /**
   * Approved message templates can be sent (outside the messaging window too), to a contact who
   * gave this consent; `missingConsent` is the refusal when they did not.
   */
  readonly templates?: { readonly consent: 'whatsapp_opt_in'; readonly missingConsent: () => DomainError };
  /** How a reply may be sent given the End User's last message; absent: no window, always allowed. */
  replyWindow?(lastInboundAt: Date | null, now: Date): ReplyMode;
  /** Content the platform's terms forbid (text and template parameters): the refusal, or null. */
  contentRule?(text: string): DomainError | null;
  /**
   * An agent may write first to an address typed now, for a contact with none on the channel yet
   * (a phone number, an e-mail address): `address` spells it as the kind's inbound messages name
   * the contact (null: not an address), `hint` says what is expected. Absent: an agent writes first
   * only to a contact who has written on the channel.
   */
  readonly newAddresses?: { address(to: string): string | null; readonly hint: string };
  /** Writing first needs an approved template (WhatsApp): the refusal of anything else. */
  readonly startWithoutTemplate?: () => DomainError;
  /**
   * End Users stop and restart everything sent to them with keyword messages (SMS: STOP, START):
   * what an inbound text says, and the refusal of a send after a stop.
   */
  readonly optOutKeywords?: { keyword(text: string | null | undefined): 'stop' | 'start' | null; readonly refusal: () => DomainError };
  /**
   * The longest text the platform takes in one message, in UTF-16 code units as the platforms
   * count: a longer reply is refused before it is queued (400 TEXT_TOO_LONG); the gateway checks again.
   */
  readonly maxTextChars?: number;
  /** The platform's documented send throughput (libs/policy send-limits), shared by every instance through SendLimiter. */
  readonly sendLimits?: readonly SendLimit[];
}

/** One request to a kind's webhook URL (`/webhooks/<path>/:channelId[/<subPath>]`). */
export interface WebhookRequest {
  channelId: string;
  /** The segment after the channel id, if the kind declared it in `subPaths`. */
  subPath: string | null;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The bytes as received (signature checks). */
  rawBody: Buffer | undefined;
  /** Path and query as called. */
  url: string;
  /** The scheme and host the request reached us at, as TRUST_PROXY lets the proxy tell them. */
  protocol: string;
  host: string;
}

/** One stored unit of inbound work: its dedupe key (unique per channel) and the payload the mapper reads later. */
export interface InboxItem {
  dedupeKey: string;
  payload: object;
  /**
   * Set when the item is not of the shape its platform documents: it is stored already parked
   * (failed, with this as its error) for an admin to see, instead of being processed.
   */
  parked?: string;
}

/** An item of an app-wide webhook (Meta): routed by (kind, routing key) rather than by URL. */
export interface WebhookItem extends InboxItem {
  kind: ChannelKind;
  routingKey: string;
  /** `routingKey` names a business account (a WABA), not one routed account: every channel of it gets the item. */
  toAccountGroup?: true;
  /** Genuine, for a connected account, but nothing the inbox uses (a call, a template review): only counted, under this reason. */
  ignored?: string;
}

/** What the platform gets back once the items are stored. */
export interface WebhookAnswer {
  status: number;
  contentType?: string;
  body?: unknown;
}

/** A webhook request read (nothing trusted yet): what to store, how to verify it, what to answer. */
export interface WebhookIntake {
  items: InboxItem[];
  /** Throws (403) unless the request proves it knows the channel's credentials. Runs before anything is stored. */
  verify(credentials: Record<string, string>): void;
  /** Why a genuine request brings nothing to store (a group chat, an update of a kind the inbox does not use): counted per channel and reason. */
  ignored?: string;
  /** The answer once the items are stored; may throw (e.g. 400 for a body that was not the platform's). */
  answer(): WebhookAnswer;
}

/** The inbound part of a kind whose platform calls one URL per channel. */
export interface ChannelWebhook {
  /** The path segment of the public URL, when it is not the kind (`/webhooks/twilio/:channelId` for sms). */
  readonly path?: string;
  /** Segments the platform may call after the channel id (`status` for Twilio's callbacks). */
  readonly subPaths?: readonly string[];
  /** Reads the request; may throw for a request the platform never sends (e.g. 415), before the channel is looked up. */
  read(request: WebhookRequest): WebhookIntake;
}

/**
 * For platforms whose webhooks carry no End User names (Messenger, Instagram): the name is asked
 * of the platform once per identity, on the processor's path, and again after `refreshAfterDays`.
 */
export interface ChannelProfiles {
  readonly refreshAfterDays: number;
  /** The End User's display name, or null when the platform has none to give; throws a DeliveryFailure on failure. */
  name(channel: MediaChannel, externalContactId: string): Promise<string | null>;
}

/** A channel with its decrypted credentials, as a media download sees it. */
export interface MediaChannel {
  id: string;
  status: string;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}

export type MediaContent = {
  stream: ReadableStream<Uint8Array>;
  mimeType: string;
  length?: number;
  /** Offered as a download under this name. */
  fileName?: string;
};

/** The content of an attachment the platform keeps by reference (a media id) or that we kept (e-mail parts). */
export interface ChannelMedia {
  /** Throws MEDIA_UNAVAILABLE / ATTACHMENT_NOT_FOUND when it cannot be had. */
  open(tenant: TenantRef, channel: MediaChannel, attachment: { ref: string; mimeType?: string; externalMessageId: string | null }): Promise<MediaContent>;
}

/**
 * Inbound files the platform keeps only for a while (Meta's CDN links, WhatsApp media ids,
 * Telegram file ids, Twilio's MediaUrl) or that we keep aside (e-mail parts): the processor's
 * media job copies them into the tenant's media store with this. Platform calls go to the
 * configured base URLs; URLs a platform hands over are fetched with the public-address checks
 * (core/media-fetch.ts).
 */
export interface ChannelInboundMedia {
  /** The largest file copied, per kind (the platform's own limits: it never sends larger). */
  readonly limits: MediaLimits;
  /** Whether this attachment of an inbound message carries a file this kind can fetch. */
  copyable(attachment: Attachment): boolean;
  /** The file's bytes; throws MediaFetchFailure (a DeliveryFailure of the platform's client is read as one too). */
  fetch(tenant: TenantRef, channel: MediaChannel, attachment: Attachment, externalMessageId: string): Promise<FetchedMedia>;
  /** The copy is stored: bytes the kind kept aside for this attachment (e-mail parts) are no longer needed. */
  copied?(tenant: TenantRef, channel: MediaChannel, attachment: Attachment, externalMessageId: string): Promise<void>;
}

/** A media attachment (not a location, a share...) that names its file by an http(s) URL. */
export const mediaByUrl = (a: Attachment): boolean => MEDIA_TYPES.has(a.type) && typeof a.url === 'string' && /^https?:\/\//i.test(a.url);
/** A media attachment that names its file by a platform reference. */
export const mediaByRef = (a: Attachment): boolean => MEDIA_TYPES.has(a.type) && typeof a.ref === 'string' && a.ref.length > 0;
const MEDIA_TYPES = new Set<Attachment['type']>(['image', 'video', 'audio', 'file', 'sticker']);

/**
 * Everything one channel kind brings: validation of what a Customer enters, platform handshakes
 * on connect (verify a token, register a webhook) and disconnect, the inbound webhook part, the
 * mapper from stored payloads to inbox events, the gateway that sends, what the platform allows
 * (capabilities), and optionally media download. A kind's module provides it, marked
 * `@ChannelKit()`; the registry (ChannelAdapters) finds it.
 *
 * `P` is the payload the kind stores for each inbound item (its webhook part or its own intake
 * writes it; its mapper reads it).
 */
export interface ChannelAdapter<P = never> {
  readonly kind: ChannelKind;
  /** The platforms and services this adapter sends End User data to (subprocessors page). */
  readonly processors: readonly string[];
  /** Whose terms the data this kind brings in is under: the purpose policy (libs/policy) judges exports, CRM pushes and integrations by it. */
  readonly dataOrigin: DataOrigin;
  /** Days a disconnected channel's data is kept before the purge, when the platform sets them (libs/policy's default otherwise). */
  readonly purgeDaysAfterDisconnect?: number;
  readonly capabilities: ChannelCapabilities;
  validate(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel;
  map(payload: P): InboundEvent[];
  readonly gateway: ChannelGateway;
  /** For platforms that call a URL per channel; absent when the kind has its own intake (Meta's app-wide route, SMTP, the web chat API). */
  readonly webhook?: ChannelWebhook;
  readonly media?: ChannelMedia;
  readonly inboundMedia?: ChannelInboundMedia;
  readonly profiles?: ChannelProfiles;
  connect?(ctx: ConnectContext): Promise<ConnectResult>;
  /**
   * The routing key, learned from the platform without changing anything there, once the
   * credentials are proven to control that account. Runs before the directory claim, so that:
   * a kind whose handshake would take the account over (Telegram: one webhook per bot) leaves the
   * owner's setup intact when the claim is refused; and credentials that do not control the
   * account (Meta: a made-up token, another Page's token) are refused before the directory is
   * asked, so the answer says nothing about whether someone else has the account.
   */
  identify?(ctx: ConnectContext): Promise<string>;
  /** The business account the routed account belongs to (a WhatsApp number's WABA), for webhooks that name only it. */
  accountGroup?(config: Record<string, unknown>): string;
  disconnect?(ctx: ConnectContext): Promise<void>;
}

/** Marks a provider as a channel kind's adapter: `@ChannelKit() @Injectable() class ViberAdapter implements ChannelAdapter {…}`. */
export const ChannelKit = DiscoveryService.createDecorator<void>();

export interface FlatSpec {
  config: Record<string, RegExp>;
  credentials: Record<string, RegExp>;
  /** The config field that names the platform account. */
  routingKey?: string;
}

/**
 * Validates flat string fields against patterns. Messages name fields, never values: a
 * credential must not end up in an error, a log or a response.
 */
export function validateFlat(kind: ChannelKind, spec: FlatSpec, config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
  const problems: string[] = [];
  const check = (section: 'config' | 'credentials', given: Record<string, unknown>, wanted: Record<string, RegExp>) => {
    for (const key of Object.keys(given)) if (!(key in wanted)) problems.push(`${section}.${key} is not a field of ${kind}`);
    for (const [key, pattern] of Object.entries(wanted)) {
      const v = given[key];
      if (typeof v !== 'string' || !pattern.test(v)) problems.push(`${section}.${key} is missing or malformed`);
    }
  };
  check('config', config, spec.config);
  check('credentials', credentials, spec.credentials);
  if (problems.length) throw invalid('VALIDATION_FAILED', problems.join('; '));
  return {
    config: { ...config },
    credentials: { ...(credentials as Record<string, string>) },
    routingKey: spec.routingKey ? String(config[spec.routingKey]) : null,
  };
}
