import type { Attachment, InboundEvent } from '../../../libs/domain/src';
import { MetaAttachment, MetaMessagingItem, metaTime } from './meta-payload';

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'file']);

/** Meta attachments keep their CDN URL: media is referenced, never copied. */
export function metaAttachments(list: MetaAttachment[] | undefined): Attachment[] {
  return (list ?? []).map((a) => {
    const type = a.type && MEDIA_TYPES.has(a.type) ? (a.type as Attachment['type']) : 'other';
    return { type, url: a.payload?.url, ...(type === 'other' && a.type ? { name: a.type } : {}) };
  });
}

/** Reads one `entry.messaging[]` item of a Page or Instagram account (they share the shape). */
export function mapMessagingItem(item: MetaMessagingItem, opts: { readByMid: boolean }): InboundEvent[] {
  const sender = item.sender?.id;
  const recipient = item.recipient?.id;
  const at = metaTime(item.timestamp);
  const m = item.message;

  if (m?.mid && m.is_deleted) return [{ type: 'deleted', externalMessageId: m.mid }];
  if (m?.mid && m.is_echo && recipient) {
    return [
      { type: 'echo', externalContactId: recipient, externalMessageId: m.mid, text: m.text ?? null, attachments: metaAttachments(m.attachments), sentAt: at },
    ];
  }
  if (m?.mid && sender) {
    const attachments = metaAttachments(m.attachments);
    if (m.reply_to?.story?.url) attachments.push({ type: 'other', name: 'story_reply', url: m.reply_to.story.url, ref: m.reply_to.story.id });
    if (m.is_unsupported) attachments.push({ type: 'other', name: 'unsupported' });
    return [
      {
        type: 'message',
        message: {
          externalContactId: sender,
          externalMessageId: m.mid,
          text: m.text ?? null,
          attachments,
          sentAt: at,
          replyToExternalId: m.reply_to?.mid ?? null,
        },
      },
    ];
  }
  // Messenger lets the End User edit a text message for a while after sending it.
  if (item.message_edit?.mid) {
    return [{ type: 'edited', externalMessageId: item.message_edit.mid, text: item.message_edit.text ?? null, attachments: [], editedAt: at }];
  }
  if (item.postback && sender) {
    const id = item.postback.mid ?? `postback:${sender}:${at.getTime()}`;
    return [
      {
        type: 'message',
        message: {
          externalContactId: sender,
          externalMessageId: id,
          text: item.postback.title ?? item.postback.payload ?? '(button)',
          attachments: [],
          sentAt: at,
        },
      },
    ];
  }
  if (item.reaction?.mid && sender) {
    const action = item.reaction.action === 'unreact' ? 'unreact' : 'react';
    return [
      {
        type: 'reaction',
        externalMessageId: item.reaction.mid,
        externalContactId: sender,
        action,
        emoji: item.reaction.emoji ?? item.reaction.reaction ?? null,
      },
    ];
  }
  if (item.delivery && sender) {
    const events: InboundEvent[] = (item.delivery.mids ?? []).map((mid) => ({ type: 'receipt', externalMessageId: mid, status: 'delivered', at }));
    if (item.delivery.watermark !== undefined)
      events.push({ type: 'watermark', externalContactId: sender, status: 'delivered', watermark: metaTime(item.delivery.watermark) });
    return events;
  }
  if (item.read && sender) {
    if (opts.readByMid && item.read.mid) return [{ type: 'receipt', externalMessageId: item.read.mid, status: 'read', at }];
    if (item.read.watermark !== undefined) return [{ type: 'watermark', externalContactId: sender, status: 'read', watermark: metaTime(item.read.watermark) }];
  }
  return [{ type: 'ignored', reason: 'unsupported messaging item' }];
}
