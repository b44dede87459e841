import { createHash } from 'node:crypto';
import type { ChannelKind } from '../../../libs/domain/src';
import type { MetaMessagingItem, MetaWebhookBody, WhatsAppMessage, WhatsAppStatus } from './meta-payload';

/** One unit of inbound work: routed by (kind, routing key), deduplicated by its key. */
export interface WebhookItem {
  kind: ChannelKind;
  routingKey: string;
  dedupeKey: string;
  payload: Record<string, unknown>;
}

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url');

/** The platform's own idempotency key where it has one; otherwise one derived from the content. */
function messagingKey(item: MetaMessagingItem): string {
  const sender = item.sender?.id ?? '';
  if (item.message?.mid) return item.message.is_deleted ? `deleted:${item.message.mid}` : `mid:${item.message.mid}`;
  if (item.reaction?.mid) return `reaction:${item.reaction.mid}:${sender}:${item.reaction.action}:${item.reaction.emoji ?? ''}:${item.timestamp}`;
  if (item.postback) return item.postback.mid ? `mid:${item.postback.mid}` : `postback:${digest(item)}`;
  if (item.delivery) return `delivery:${sender}:${item.delivery.watermark}:${digest(item.delivery.mids ?? [])}`;
  if (item.read) return item.read.mid ? `read:${item.read.mid}` : `read:${sender}:${item.read.watermark}`;
  return `item:${digest(item)}`;
}

/**
 * Splits one Meta webhook POST (many entries, possibly for many pages, i.e. tenants) into items.
 * Only reads: nothing here may throw on odd input, so unknown shapes are skipped.
 */
export function splitMetaWebhook(body: MetaWebhookBody): WebhookItem[] {
  const items: WebhookItem[] = [];
  const kind: ChannelKind | undefined =
    body.object === 'page' ? 'messenger' : body.object === 'instagram' ? 'instagram' : body.object === 'whatsapp_business_account' ? 'whatsapp' : undefined;
  if (!kind || !Array.isArray(body.entry)) return items;

  for (const entry of body.entry) {
    if (kind !== 'whatsapp') {
      if (!entry?.id) continue;
      for (const item of entry.messaging ?? []) {
        if (item && typeof item === 'object') items.push({ kind, routingKey: String(entry.id), dedupeKey: messagingKey(item), payload: { item } });
      }
      continue;
    }
    for (const change of entry?.changes ?? []) {
      const value = change?.value;
      const phoneNumberId = value?.metadata?.phone_number_id;
      if (change?.field !== 'messages' || !phoneNumberId) continue;
      for (const message of value.messages ?? []) {
        const contact = value.contacts?.find((c) => c.wa_id === message?.from);
        items.push({
          kind,
          routingKey: String(phoneNumberId),
          dedupeKey: message?.id ? `wamid:${message.id}` : `item:${digest(message)}`,
          payload: { message: message as WhatsAppMessage, contact: contact ?? null },
        });
      }
      for (const status of value.statuses ?? []) {
        items.push({
          kind,
          routingKey: String(phoneNumberId),
          dedupeKey: `status:${status?.id}:${status?.status}`,
          payload: { status: status as WhatsAppStatus },
        });
      }
    }
  }
  return items;
}
