import { attachment } from '../../../libs/domain/src';
import type { Attachment, InboundEvent, MessageContext, ReceiptStatus } from '../../../libs/domain/src';
import type { FormParams } from './twilio-signature';

/** What the webhook controller stores for one Twilio request (the processor maps it later). */
export interface TwilioStoredEvent {
  type: 'inbound' | 'status';
  /** When we received it: Twilio's webhooks carry no timestamp of their own. */
  receivedAt: string;
  /** The fields we use; anything else Twilio sends (FromCity, FromZip, new fields...) is not kept. */
  params: Record<string, string>;
}

const INBOUND_FIELDS = new Set(['MessageSid', 'SmsSid', 'SmsMessageSid', 'AccountSid', 'MessagingServiceSid', 'From', 'To', 'Body', 'NumMedia', 'NumSegments']);
/** What WhatsApp through Twilio adds: the sender's profile name, the kind of message, a shared location, the button pressed, forwarding and the ad the End User came from. */
const WHATSAPP_FIELDS = [
  'ProfileName',
  'MessageType',
  'Latitude',
  'Longitude',
  'Address',
  'Label',
  'ButtonText',
  'ButtonPayload',
  'Forwarded',
  'FrequentlyForwarded',
];
const REFERRAL_FIELDS = [
  'ReferralSourceId',
  'ReferralSourceType',
  'ReferralSourceUrl',
  'ReferralHeadline',
  'ReferralBody',
  'ReferralMediaUrl',
  'ReferralCtwaClid',
];
for (const f of [...WHATSAPP_FIELDS, ...REFERRAL_FIELDS]) INBOUND_FIELDS.add(f);
const STATUS_FIELDS = new Set(['MessageSid', 'SmsSid', 'AccountSid', 'MessageStatus', 'SmsStatus', 'ErrorCode', 'ErrorMessage']);
const MEDIA_FIELD = /^Media(Url|ContentType)(\d{1,2})$/;
const MAX_MEDIA = 20;

/**
 * Keeps only what the inbox needs (data minimisation: Twilio adds the sender's city, state, zip
 * and country to inbound requests). Unknown fields are dropped, never an error.
 */
export function toStoredEvent(type: TwilioStoredEvent['type'], pairs: FormParams, receivedAt: Date): TwilioStoredEvent {
  const keep = type === 'inbound' ? INBOUND_FIELDS : STATUS_FIELDS;
  const params: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (name in params) continue; // Twilio sends each field once; the first value wins.
    const media = type === 'inbound' ? MEDIA_FIELD.exec(name) : null;
    if (keep.has(name) || (media && Number(media[2]) < MAX_MEDIA)) params[name] = value;
  }
  return { type, receivedAt: receivedAt.toISOString(), params };
}

/** The id a Twilio request is about: MessageSid, or the older SmsSid / SmsMessageSid. */
export const messageSidOf = (params: Record<string, string>): string | undefined => params.MessageSid || params.SmsSid || params.SmsMessageSid || undefined;

function attachmentType(mimeType: string | undefined): Attachment['type'] {
  const top = (mimeType ?? '').split('/')[0].toLowerCase();
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'file';
}

/** MMS media: MediaUrlN / MediaContentTypeN, kept as URLs (Twilio hosts them; nothing is copied). */
function mediaOf(params: Record<string, string>): Attachment[] {
  const indexes = Object.keys(params)
    .map((k) => /^MediaUrl(\d+)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const out: Attachment[] = [];
  for (const i of indexes) {
    const url = params[`MediaUrl${i}`];
    if (!/^https?:\/\//i.test(url)) continue;
    const mimeType = params[`MediaContentType${i}`] || undefined;
    out.push({ type: attachmentType(mimeType), url, ...(mimeType ? { mimeType } : {}) });
  }
  return out;
}

const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** A WhatsApp location through Twilio: `Latitude`/`Longitude`, with `Label` and `Address` for a place. */
function locationOf(params: Record<string, string>): Attachment[] {
  const latitude = Number(params.Latitude);
  const longitude = Number(params.Longitude);
  if (!params.Latitude || !params.Longitude || !Number.isFinite(latitude) || !Number.isFinite(longitude)) return [];
  return [attachment.location({ latitude, longitude, name: params.Label || undefined, address: params.Address || undefined })];
}

/** A click-to-WhatsApp ad or post the End User came from (Twilio's `Referral*` fields). */
function referralOf(params: Record<string, string>): Attachment[] {
  if (!params.ReferralSourceId && !params.ReferralSourceUrl && !params.ReferralCtwaClid) return [];
  const source = (params.ReferralSourceType || 'unknown').toLowerCase();
  return [
    attachment.referral({
      source,
      adId: source === 'ad' ? params.ReferralSourceId || undefined : undefined,
      postId: source === 'post' ? params.ReferralSourceId || undefined : undefined,
      headline: params.ReferralHeadline || undefined,
      body: params.ReferralBody || undefined,
      sourceUrl: params.ReferralSourceUrl || undefined,
      mediaUrl: params.ReferralMediaUrl || undefined,
      clickId: params.ReferralCtwaClid || undefined,
    }),
  ];
}

const RECEIPT_OF: Record<string, ReceiptStatus> = {
  accepted: 'sent',
  scheduled: 'sent',
  queued: 'sent',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/** Twilio's texts for the codes a status callback commonly carries (it sends the code alone). */
const ERROR_TEXT: Record<string, string> = {
  '21610': 'The recipient has replied STOP: Twilio does not send to them until they reply START',
  '21211': "The 'To' number is not a valid phone number",
  '21408': 'Sending to this region is not enabled on the Twilio account',
  '21614': "The 'To' number is not a mobile number",
  '30001': 'Queue overflow',
  '30002': 'Account suspended',
  '30003': 'Unreachable destination handset',
  '30004': 'Message blocked',
  '30005': 'Unknown destination handset',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Message filtered by the carrier',
  '30008': 'Unknown error',
  '30034': 'Message from an unregistered US A2P 10DLC number',
};

function failureOf(status: string, params: Record<string, string>): { code: string; text: string } {
  const code = params.ErrorCode?.trim();
  if (code) return { code, text: params.ErrorMessage?.trim() || ERROR_TEXT[code] || `Twilio error ${code}` };
  return { code: `TWILIO_${status.toUpperCase()}`, text: params.ErrorMessage?.trim() || `Twilio reported the message as ${status}` };
}

function receivedAt(e: TwilioStoredEvent): Date {
  const at = new Date(e.receivedAt);
  return Number.isNaN(at.getTime()) ? new Date() : at;
}

/** Maps one stored Twilio request (inbound SMS/MMS or a status callback) to inbox events. */
export function mapTwilioPayload(e: TwilioStoredEvent): InboundEvent[] {
  const params = e.params ?? {};
  const sid = messageSidOf(params);
  if (!sid) return [{ type: 'ignored', reason: 'Twilio request without a MessageSid' }];

  if (e.type === 'status') {
    const status = (params.MessageStatus || params.SmsStatus || '').toLowerCase();
    const receipt = RECEIPT_OF[status];
    if (!receipt) return [{ type: 'ignored', reason: `Twilio status ${status || '(none)'}` }];
    return [
      { type: 'receipt', externalMessageId: sid, status: receipt, at: receivedAt(e), ...(receipt === 'failed' ? { error: failureOf(status, params) } : {}) },
    ];
  }

  if (e.type !== 'inbound') return [{ type: 'ignored', reason: `unknown Twilio event ${String(e.type)}` }];
  const from = params.From?.trim();
  if (!from) return [{ type: 'ignored', reason: 'inbound SMS without a sender' }];
  const attachments = [...mediaOf(params), ...locationOf(params), ...referralOf(params)];
  const text = params.Body ? params.Body : params.ButtonText || null;
  // A WhatsApp message of a kind Twilio passes on by name only: a typed placeholder, not nothing.
  const kind = params.MessageType?.trim();
  if (!text && attachments.length === 0 && kind && kind !== 'text')
    attachments.push(
      attachment.placeholder({ what: `twilio_whatsapp_${kind.slice(0, 40)}`, summary: `A WhatsApp ${kind.slice(0, 40)} message the inbox cannot show yet` }),
    );
  const context: MessageContext = {};
  if (params.FrequentlyForwarded === 'true') context.forwarded = 'many';
  else if (params.Forwarded === 'true') context.forwarded = 'once';
  if (params.ButtonPayload || params.ButtonText)
    context.choice = compact({ kind: 'button' as const, id: params.ButtonPayload || undefined, title: params.ButtonText || undefined });
  return [
    {
      type: 'message',
      message: {
        externalContactId: from,
        // WhatsApp through Twilio names the sender (their WhatsApp profile name); SMS never does.
        contactName: params.ProfileName?.trim().slice(0, 200) || null,
        externalMessageId: sid,
        text,
        attachments,
        context: Object.keys(context).length ? context : null,
        sentAt: receivedAt(e),
      },
    },
  ];
}
