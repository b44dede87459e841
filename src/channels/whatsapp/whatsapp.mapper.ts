import type { Attachment, InboundEvent, ReceiptStatus } from '../../../libs/domain/src';
import { WhatsAppError, WhatsAppMedia, WhatsAppMessage, WhatsAppPayload, WhatsAppStatus, WhatsAppUserPreference, metaTime } from '../meta/meta-payload';

const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker'] as const;
const RECEIPTS = new Set<ReceiptStatus>(['sent', 'delivered', 'read', 'failed']);

/** WhatsApp media arrive as ids; the file is fetched lazily (two-step download) when asked for. */
function mediaAttachment(kind: (typeof MEDIA_KINDS)[number], media: WhatsAppMedia): Attachment {
  const type: Attachment['type'] = kind === 'document' || kind === 'sticker' ? 'file' : kind;
  return { type, ref: media.id, mimeType: media.mime_type, name: media.filename, sha256: media.sha256 };
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

function mapMessage(message: WhatsAppMessage, contactName: string | null): InboundEvent[] {
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
  let text: string | null = null;
  const attachments: Attachment[] = [];
  switch (message.type) {
    case 'text':
      text = message.text?.body ?? null;
      break;
    case 'location': {
      const l = message.location ?? {};
      attachments.push({ type: 'location', url: `geo:${l.latitude},${l.longitude}`, name: [l.name, l.address].filter(Boolean).join(', ') || undefined });
      break;
    }
    case 'interactive':
      text = message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title ?? null;
      break;
    case 'button':
      text = message.button?.text ?? message.button?.payload ?? null;
      break;
    default: {
      const kind = MEDIA_KINDS.find((k) => k === message.type);
      const media = kind ? message[kind] : undefined;
      if (kind && media) {
        attachments.push(mediaAttachment(kind, media));
        text = media.caption ?? null;
      } else {
        attachments.push({ type: 'other', name: message.type ?? 'unknown' });
      }
    }
  }
  return [
    {
      type: 'message',
      message: {
        externalContactId: message.from,
        contactName,
        externalMessageId: message.id,
        text,
        attachments,
        sentAt: at,
        replyToExternalId: message.context?.id ?? null,
      },
    },
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

export function mapWhatsAppPayload(payload: WhatsAppPayload): InboundEvent[] {
  if (payload.message) return mapMessage(payload.message, payload.contact?.profile?.name ?? null);
  if (payload.status) return mapStatus(payload.status);
  if (payload.echo) return mapEcho(payload.echo);
  if (payload.preference) return mapPreference(payload.preference, payload.contact?.profile?.name ?? null);
  if (payload.errors?.length) return mapErrors(payload.errors);
  return [{ type: 'ignored', reason: 'empty WhatsApp item' }];
}
