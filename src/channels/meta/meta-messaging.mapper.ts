import { attachment } from '../../../libs/domain/src';
import type { Attachment, InboundEvent, MessageContext } from '../../../libs/domain/src';
import { MetaAttachment, MetaMessagingItem, MetaReferral, metaTime } from './meta-payload';

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'file']);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : typeof v === 'number' ? String(v) : undefined);
const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** One Meta attachment in the inbox's model; media keep their CDN URL until the processor's media job has copied the file (meta-cdn-media.ts). */
function metaAttachment(a: MetaAttachment, stickerId: string | undefined): Attachment {
  const p = a.payload ?? {};
  const url = str(p.url);
  const sticker = str(p.sticker_id) ?? stickerId;
  if (sticker && (a.type === 'image' || a.type === 'sticker')) return compact({ type: 'sticker' as const, url, detail: { stickerId: sticker } });
  if (a.type && MEDIA_TYPES.has(a.type)) return compact({ type: a.type as 'image' | 'video' | 'audio' | 'file', url });
  switch (a.type) {
    case 'location': {
      const latitude = num(p.coordinates?.lat);
      const longitude = num(p.coordinates?.long);
      if (latitude !== undefined && longitude !== undefined) return attachment.location({ latitude, longitude, name: str(p.title) });
      break;
    }
    case 'fallback': {
      // A shared link: Messenger puts its title and URL beside the payload, not in it.
      const link = str(a.URL) ?? str(a.url) ?? url;
      const title = str(a.title) ?? str(p.title);
      return compact({ type: 'link' as const, url: link, name: title ?? link, detail: compact({ title }) });
    }
    case 'share':
    case 'ig_post':
      return compact({ type: 'share' as const, url, name: str(p.title), detail: compact({ caption: str(p.title), mediaId: str(p.ig_post_media_id) }) });
    case 'ig_reel':
    case 'reel':
      return compact({
        type: 'reel' as const,
        url,
        name: str(p.title),
        detail: compact({ caption: str(p.title), mediaId: str((p as { reel_video_id?: string }).reel_video_id) }),
      });
    case 'story_mention':
      return compact({ type: 'story_mention' as const, url, name: 'Story mention', detail: {} });
  }
  const what = str(a.type) ?? 'unknown';
  return compact({ ...attachment.placeholder({ what: `meta_${what}`, summary: `An attachment the inbox cannot show yet (${what})` }), url });
}

/** The attachments of one message, a post shared twice (as `share` and as `ig_post`) kept once. */
export function metaAttachments(list: MetaAttachment[] | undefined, stickerId?: number | string): Attachment[] {
  const out: Attachment[] = [];
  for (const a of Array.isArray(list) ? list : []) {
    const next = metaAttachment(a ?? {}, str(stickerId));
    const mediaId = next.type === 'share' ? next.detail?.mediaId : undefined;
    if (mediaId && out.some((o) => o.type === 'share' && o.detail?.mediaId === mediaId)) continue;
    out.push(next);
  }
  return out;
}

/** Which ad, which post, which link the End User came from. */
function referralAttachment(r: MetaReferral | undefined): Attachment[] {
  if (!r || typeof r !== 'object') return [];
  const ad = r.ads_context_data ?? {};
  return [
    attachment.referral({
      source: (str(r.source) ?? 'unknown').toLowerCase(),
      adId: str(r.ad_id),
      postId: str(ad.post_id),
      headline: str(ad.ad_title),
      mediaUrl: str(ad.photo_url) ?? str(ad.video_url),
      sourceUrl: str(r.referer_uri),
      ref: str(r.ref),
    }),
  ];
}

const contextOf = (c: MessageContext): MessageContext | null => (Object.keys(c).length ? c : null);

/** Reads one `entry.messaging[]` item of a Page or Instagram account (they share the shape). */
export function mapMessagingItem(item: MetaMessagingItem, opts: { readByMid: boolean }): InboundEvent[] {
  const sender = item.sender?.id;
  const recipient = item.recipient?.id;
  const at = metaTime(item.timestamp);
  const m = item.message;

  if (m?.mid && m.is_deleted) return [{ type: 'deleted', externalMessageId: m.mid }];
  if (m?.mid && m.is_echo && recipient) {
    return [
      {
        type: 'echo',
        externalContactId: recipient,
        externalMessageId: m.mid,
        text: m.text ?? null,
        attachments: metaAttachments(m.attachments, m.sticker_id),
        sentAt: at,
      },
    ];
  }
  if (m?.mid && sender) {
    const attachments = [...metaAttachments(m.attachments, m.sticker_id), ...referralAttachment(m.referral)];
    if (m.reply_to?.story?.url)
      attachments.push({
        ...attachment.placeholder({ what: 'story_reply', summary: 'A reply to a story' }),
        url: m.reply_to.story.url,
        ref: m.reply_to.story.id,
      });
    if (m.is_unsupported) attachments.push(attachment.placeholder({ what: 'meta_unsupported', summary: 'A message Meta does not pass on to other apps' }));
    const quick = str(m.quick_reply?.payload);
    return [
      {
        type: 'message',
        message: {
          externalContactId: sender,
          externalMessageId: m.mid,
          text: m.text ?? null,
          attachments,
          context: contextOf(quick ? { choice: { kind: 'quick_reply', id: quick, title: str(m.text) } } : {}),
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
          attachments: referralAttachment(item.postback.referral),
          context: { choice: { kind: 'postback', id: str(item.postback.payload), title: str(item.postback.title) } },
          sentAt: at,
        },
      },
    ];
  }
  if (item.referral && sender) {
    // An ad opened the thread: which ad is worth keeping before anything is written. A link or
    // the chat plugin opening it says nothing yet (their ref comes again with the first message).
    if (str(item.referral.source)?.toUpperCase() !== 'ADS')
      return [{ type: 'ignored', reason: `a thread opened from ${str(item.referral.source)?.toLowerCase() ?? 'a referral'}, nothing written yet` }];
    return [
      {
        type: 'message',
        message: {
          externalContactId: sender,
          externalMessageId: `referral:${sender}:${at.getTime()}`,
          text: null,
          attachments: referralAttachment(item.referral),
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
