import type { Attachment, InboundEvent, ReceiptStatus } from '../../../libs/domain/src';
import { WhatsAppMedia, WhatsAppMessage, WhatsAppPayload, WhatsAppStatus, metaTime } from '../meta/meta-payload';

const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker'] as const;
const RECEIPTS = new Set<ReceiptStatus>(['sent', 'delivered', 'read', 'failed']);

/** WhatsApp media arrive as ids; the file is fetched lazily (two-step download) when asked for. */
function mediaAttachment(kind: (typeof MEDIA_KINDS)[number], media: WhatsAppMedia): Attachment {
  const type: Attachment['type'] = kind === 'document' || kind === 'sticker' ? 'file' : kind;
  return { type, ref: media.id, mimeType: media.mime_type, name: media.filename, sha256: media.sha256 };
}

function mapMessage(message: WhatsAppMessage, contactName: string | null): InboundEvent[] {
  if (!message.id || !message.from) return [{ type: 'ignored', reason: 'message without id or sender' }];
  const at = metaTime(message.timestamp, 's');
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

export function mapWhatsAppPayload(payload: WhatsAppPayload): InboundEvent[] {
  if (payload.message) return mapMessage(payload.message, payload.contact?.profile?.name ?? null);
  if (payload.status) return mapStatus(payload.status);
  return [{ type: 'ignored', reason: 'empty WhatsApp item' }];
}
