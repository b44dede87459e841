import { attachment } from '../../../libs/domain/src';
import type { Attachment, InboundEvent, MessageContext, ReceiptStatus, SharedContact } from '../../../libs/domain/src';
import {
  WhatsAppAccountUpdate,
  WhatsAppError,
  WhatsAppMedia,
  WhatsAppMessage,
  WhatsAppPayload,
  WhatsAppStatus,
  WhatsAppUserPreference,
  metaTime,
} from '../meta/meta-payload';

const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker'] as const;
const RECEIPTS = new Set<ReceiptStatus>(['sent', 'delivered', 'read', 'failed']);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** WhatsApp media arrive as ids; the file is fetched lazily (two-step download) when asked for. */
function mediaAttachment(kind: (typeof MEDIA_KINDS)[number], media: WhatsAppMedia): Attachment {
  const file = { ref: media.id, mimeType: media.mime_type, name: media.filename, sha256: media.sha256 };
  if (kind === 'sticker') return { type: 'sticker', ...file, detail: { animated: media.animated === true } };
  if (kind === 'audio') return { type: 'audio', ...file, detail: { voice: media.voice === true } };
  return { type: kind === 'document' ? 'file' : kind, ...file };
}

function sharedContacts(list: WhatsAppMessage['contacts']): SharedContact[] {
  return (Array.isArray(list) ? list : []).map((c) => {
    const name = str(c?.name?.formatted_name) ?? ([c?.name?.first_name, c?.name?.last_name].filter((s) => str(s)).join(' ') || null);
    const phones = (Array.isArray(c?.phones) ? c.phones : [])
      .filter((p) => str(p?.phone) ?? str(p?.wa_id))
      .map((p) => ({ phone: (str(p.phone) ?? str(p.wa_id))!, ...(str(p.type) ? { type: p.type } : {}), ...(str(p.wa_id) ? { waId: p.wa_id } : {}) }));
    const emails = (Array.isArray(c?.emails) ? c.emails : []).map((e) => str(e?.email)).filter((e): e is string => !!e);
    return { name, phones, ...(emails.length ? { emails } : {}), ...(str(c?.org?.company) ? { organization: c.org!.company } : {}) };
  });
}

function errorOf(errors: WhatsAppError[] | undefined): { code: string; text: string } | undefined {
  const e = Array.isArray(errors) ? errors[0] : undefined;
  if (!e) return undefined;
  return { code: String(e.code ?? ''), text: [e.title ?? e.message, e.error_data?.details].filter(Boolean).join(': ') };
}

/** A Flow's answers as the End User filled them in (the flow token is ours, not theirs). */
function flowAnswers(json: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(json ?? '');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const { flow_token: _token, ...answers } = parsed as Record<string, unknown>;
    return answers;
  } catch {
    return undefined;
  }
}

/** The message's content, as text and attachments; a kind we cannot show becomes a typed placeholder. */
function contentOf(message: WhatsAppMessage, errors: WhatsAppError[] | undefined): { text: string | null; attachments: Attachment[]; context: MessageContext } {
  let text: string | null = null;
  const attachments: Attachment[] = [];
  const context: MessageContext = {};
  const error = errorOf(message.errors) ?? errorOf(errors);
  const placeholder = (what: string, summary: string, data?: Record<string, unknown>) =>
    attachments.push(attachment.placeholder({ what, summary, data, error }));
  switch (message.type) {
    case 'text':
      text = message.text?.body ?? null;
      break;
    case 'location': {
      const l = message.location ?? {};
      const latitude = num(l.latitude);
      const longitude = num(l.longitude);
      if (latitude !== undefined && longitude !== undefined)
        attachments.push(attachment.location({ latitude, longitude, name: str(l.name), address: str(l.address) }));
      else placeholder('whatsapp_location', 'A location without coordinates');
      break;
    }
    case 'contacts':
      attachments.push(attachment.contacts(sharedContacts(message.contacts)));
      break;
    case 'order': {
      const o = message.order ?? {};
      const items = (Array.isArray(o.product_items) ? o.product_items : []).map((i) => ({
        productId: str(i?.product_retailer_id) ?? '?',
        quantity: num(i?.quantity) ?? 1,
        itemPrice: num(i?.item_price),
        currency: str(i?.currency),
      }));
      attachments.push(attachment.order({ catalogId: str(o.catalog_id), note: str(o.text), items }));
      text = str(o.text) ?? null;
      break;
    }
    case 'interactive': {
      const i = message.interactive;
      const choice = i?.button_reply ?? i?.list_reply;
      if (choice && (str(choice.title) || str(choice.id))) {
        text = str(choice.title) ?? str(choice.id)!;
        const description = i?.list_reply?.description;
        context.choice = { kind: i?.button_reply ? 'button' : 'list', id: str(choice.id), title: str(choice.title), description: str(description) };
      } else if (i?.nfm_reply) {
        const name = str(i.nfm_reply.name) ?? 'flow';
        placeholder('whatsapp_flow_reply', `WhatsApp Flow answer (${name})`, {
          name,
          body: str(i.nfm_reply.body),
          answers: flowAnswers(i.nfm_reply.response_json),
        });
      } else {
        placeholder('whatsapp_interactive', `WhatsApp interactive reply (${str(i?.type) ?? 'unreadable'})`);
      }
      break;
    }
    case 'button':
      text = str(message.button?.text) ?? str(message.button?.payload) ?? null;
      context.choice = { kind: 'button', id: str(message.button?.payload), title: str(message.button?.text) };
      break;
    case 'system': {
      const s = message.system ?? {};
      const event =
        s.type === 'user_changed_number' ? 'number_changed' : s.type === 'customer_identity_changed' ? 'identity_changed' : (str(s.type) ?? 'unknown');
      text =
        str(s.body) ??
        (event === 'number_changed'
          ? 'The contact changed their WhatsApp number'
          : event === 'identity_changed'
            ? "The contact's WhatsApp identity changed"
            : null);
      attachments.push(attachment.system({ event, newExternalId: str(s.wa_id ?? s.new_wa_id) }, text ?? event));
      break;
    }
    default: {
      const kind = MEDIA_KINDS.find((k) => k === message.type);
      const media = kind ? message[kind] : undefined;
      if (kind && media) {
        attachments.push(mediaAttachment(kind, media));
        text = media.caption ?? null;
      } else {
        const what = str(message.unsupported?.type) ?? str(message.type) ?? 'unknown';
        placeholder(`whatsapp_${what}`, `A WhatsApp message the inbox cannot show yet (${what})`);
      }
    }
  }
  if (message.context?.frequently_forwarded) context.forwarded = 'many';
  else if (message.context?.forwarded) context.forwarded = 'once';
  const r = message.referral;
  if (r) {
    const source = (str(r.source_type) ?? 'unknown').toLowerCase();
    attachments.push(
      attachment.referral({
        source,
        adId: source === 'ad' ? str(r.source_id) : undefined,
        postId: source === 'post' ? str(r.source_id) : undefined,
        headline: str(r.headline),
        body: str(r.body),
        sourceUrl: str(r.source_url),
        mediaUrl: str(r.image_url) ?? str(r.video_url),
        clickId: str(r.ctwa_clid),
        ...(source !== 'ad' && source !== 'post' ? { ref: str(r.source_id) } : {}),
      }),
    );
  }
  return { text, attachments, context };
}

/**
 * An edit carries the new version as a message of its own type (text, image with a caption...):
 * read like a new message, then applied to the original.
 */
function mapEdit(message: WhatsAppMessage, ifUnknown?: 'ignore'): InboundEvent[] {
  const original = message.edit?.original_message_id;
  if (!original || !message.edit?.message) return [{ type: 'ignored', reason: 'WhatsApp edit without the original message id or the new version' }];
  const [version] = mapMessage({ ...message.edit.message, id: message.id, from: message.from ?? 'unknown', timestamp: message.timestamp }, null);
  if (version?.type !== 'message') return [{ type: 'ignored', reason: `WhatsApp edit into ${message.edit.message.type ?? 'unknown'} content` }];
  const { text, attachments = [], sentAt } = version.message;
  return [{ type: 'edited', externalMessageId: original, text: text ?? null, attachments, editedAt: sentAt, ...(ifUnknown ? { ifUnknown } : {}) }];
}

function mapMessage(message: WhatsAppMessage, contactName: string | null, errors?: WhatsAppError[]): InboundEvent[] {
  if (!message.id || !message.from) return [{ type: 'ignored', reason: 'message without id or sender' }];
  const at = metaTime(message.timestamp, 's');
  // The user deleted the message for everyone: its content goes, as Instagram's `is_deleted`.
  if (message.type === 'revoke') {
    const original = message.revoke?.original_message_id;
    return original ? [{ type: 'deleted', externalMessageId: original }] : [{ type: 'ignored', reason: 'WhatsApp revoke without the original message id' }];
  }
  if (message.type === 'edit') return mapEdit(message);
  if (message.type === 'reaction' && message.reaction?.message_id) {
    const emoji = message.reaction.emoji || null;
    return [{ type: 'reaction', externalMessageId: message.reaction.message_id, externalContactId: message.from, action: emoji ? 'react' : 'unreact', emoji }];
  }
  const { text, attachments, context } = contentOf(message, errors);
  const moved = attachments.find((a): a is Attachment<'system'> => a.type === 'system' && a.detail?.event === 'number_changed')?.detail?.newExternalId;
  return [
    {
      type: 'message',
      message: {
        externalContactId: message.from,
        contactName,
        externalMessageId: message.id,
        text,
        attachments,
        context: Object.keys(context).length ? context : null,
        sentAt: at,
        replyToExternalId: message.context?.id ?? null,
      },
    },
    ...(moved && moved !== message.from ? [{ type: 'identity_moved' as const, externalContactId: message.from, newExternalContactId: moved }] : []),
  ];
}

function mapStatus(status: WhatsAppStatus): InboundEvent[] {
  const s = status.status as ReceiptStatus;
  if (!status.id || !RECEIPTS.has(s)) return [{ type: 'ignored', reason: `status ${status.status}` }];
  const err = status.errors?.[0];
  return [
    {
      type: 'receipt',
      externalMessageId: status.id,
      status: s,
      at: metaTime(status.timestamp, 's'),
      ...(err ? { error: { code: String(err.code ?? ''), text: err.title ?? err.message ?? '' } } : {}),
    },
  ];
}

/**
 * A message the business typed in the WhatsApp Business app (coexistence): outbound in the inbox.
 * Its edits and deletions apply to the message when we have it; one we never saw stays unseen.
 */
function mapEcho(echo: WhatsAppMessage): InboundEvent[] {
  if (!echo.id || !echo.to) return [{ type: 'ignored', reason: 'WhatsApp Business app echo without id or recipient' }];
  if (echo.type === 'revoke') {
    const original = echo.revoke?.original_message_id;
    return original
      ? [{ type: 'deleted', externalMessageId: original, ifUnknown: 'ignore' }]
      : [{ type: 'ignored', reason: 'WhatsApp revoke without the original message id' }];
  }
  if (echo.type === 'edit') return mapEdit({ ...echo, from: echo.to }, 'ignore');
  if (echo.type === 'reaction') return [{ type: 'ignored', reason: 'a reaction sent from the WhatsApp Business app' }];
  const [read] = mapMessage({ ...echo, from: echo.to }, null);
  if (read?.type !== 'message') return [read ?? { type: 'ignored', reason: 'empty WhatsApp Business app echo' }];
  const m = read.message;
  return [{ type: 'echo', externalContactId: echo.to, externalMessageId: echo.id, text: m.text ?? null, attachments: m.attachments ?? [], sentAt: m.sentAt }];
}

const MARKETING_CHOICES: Record<string, boolean> = { stop: false, resume: true, signup: true };

/** A marketing opt-in or opt-out the user made on WhatsApp, recorded as their consent. */
function mapPreference(p: WhatsAppUserPreference, contactName: string | null): InboundEvent[] {
  const granted = p.value === undefined ? undefined : MARKETING_CHOICES[p.value];
  if (!p.wa_id || p.category !== 'marketing_messages' || granted === undefined)
    return [{ type: 'ignored', reason: `WhatsApp user preference ${p.category ?? 'unknown'}=${p.value ?? 'unknown'}` }];
  const source = `WhatsApp user preference: ${p.value}${p.detail ? ` (${p.detail})` : ''}`.slice(0, 500);
  return [{ type: 'consent', externalContactId: p.wa_id, contactName, purpose: 'whatsapp_marketing', granted, source, at: metaTime(p.timestamp, 's') }];
}

/** Errors about the number or the webhook itself, not one message: the Customer must hear of them. */
function mapErrors(errors: WhatsAppError[]): InboundEvent[] {
  return errors.map((e) => ({
    type: 'notice',
    kind: 'channel.error',
    message:
      `WhatsApp reported error ${e.code ?? 'unknown'}${e.title ? ` (${e.title})` : ''}${e.error_data?.details ? `: ${e.error_data.details}` : e.message && e.message !== e.title ? `: ${e.message}` : ''}`.slice(
        0,
        1000,
      ),
  }));
}

const RESTRICTIONS: Record<string, string> = {
  RESTRICTED_BIZ_INITIATED_MESSAGING: 'messages the business starts',
  RESTRICTED_CUSTOMER_INITIATED_MESSAGING: 'replies to customers',
  RESTRICTED_ADD_PHONE_NUMBER_ACTION: 'adding phone numbers',
};
const BAN_STATES: Record<string, string> = {
  SCHEDULE_FOR_DISABLE: 'WhatsApp will disable the business account',
  DISABLE: 'WhatsApp disabled the business account: nothing can be sent',
  REINSTATE: 'WhatsApp reinstated the business account',
};

const until = (expiration: number | string | undefined) => {
  if (expiration === undefined) return '';
  const at = metaTime(expiration, 's');
  return Number.isNaN(at.getTime()) ? '' : ` until ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

/**
 * Restrictions, bans and policy violations of the WABA: they stop sends on every number of it,
 * so the Customer must hear of them at once. Other account news (verification, partners, pricing) is not for the inbox.
 */
function mapAccountUpdate(update: WhatsAppAccountUpdate): InboundEvent[] {
  const notice = (kind: string, message: string): InboundEvent[] => [{ type: 'notice', kind, message: message.slice(0, 1000) }];
  switch (update.event) {
    case 'ACCOUNT_RESTRICTION': {
      const list = (Array.isArray(update.restriction_info) ? update.restriction_info : [])
        .map((r) => {
          const type = str(r?.restriction_type) ?? 'unknown';
          return `${RESTRICTIONS[type] ?? type}${until(num(r?.expiration) ?? str(r?.expiration))}`;
        })
        .join('; ');
      return notice('channel.restricted', `WhatsApp restricted the business account: ${list || 'no details given'}`);
    }
    case 'DISABLED_UPDATE': {
      const state = str(update.ban_info?.waba_ban_state) ?? '';
      const date = str(update.ban_info?.waba_ban_date);
      return notice(
        state === 'REINSTATE' ? 'channel.reinstated' : 'channel.restricted',
        `${BAN_STATES[state] ?? `WhatsApp changed the business account's ban state to ${state || 'unknown'}`}${date ? ` (${date})` : ''}`,
      );
    }
    case 'ACCOUNT_VIOLATION':
      return notice(
        'channel.restricted',
        `WhatsApp found a policy violation on the business account: ${str(update.violation_info?.violation_type) ?? 'unspecified'}`,
      );
    default:
      return [{ type: 'ignored', reason: `WhatsApp account update ${str(update.event) ?? 'without an event'}` }];
  }
}

export function mapWhatsAppPayload(payload: WhatsAppPayload): InboundEvent[] {
  if (payload.accountUpdate) return mapAccountUpdate(payload.accountUpdate);
  if (payload.message) return mapMessage(payload.message, payload.contact?.profile?.name ?? null, payload.errors);
  if (payload.status) return mapStatus(payload.status);
  if (payload.echo) return mapEcho(payload.echo);
  if (payload.preference) return mapPreference(payload.preference, payload.contact?.profile?.name ?? null);
  if (payload.errors?.length) return mapErrors(payload.errors);
  return [{ type: 'ignored', reason: 'empty WhatsApp item' }];
}
