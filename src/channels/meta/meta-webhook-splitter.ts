import { createHash } from 'node:crypto';
import type { ChannelKind } from '../../../libs/domain/src';
import type { WebhookItem } from '../core/channel-adapter';
import type {
  MetaMessagingItem,
  MetaWebhookBody,
  WhatsAppAccountUpdate,
  WhatsAppChangeValue,
  WhatsAppMessage,
  WhatsAppStatus,
  WhatsAppUserPreference,
} from './meta-payload';

const digest = (value: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(value) ?? '')
    .digest('base64url');

/**
 * A field as text for a key. Only primitives are taken as they are: a JSON object may carry its
 * own `toString` (a number, say), which makes String() and template literals throw. (undefined
 * and null read as before, so the keys of well-formed items do not change.)
 */
const text = (v: unknown): string => (v === null || typeof v !== 'object' ? String(v) : digest(v));

/** An account id: a string or a number, nothing else routes. */
const accountId = (v: unknown): string | undefined => ((typeof v === 'string' && v) || typeof v === 'number' ? String(v) : undefined);

/** The platform's own idempotency key where it has one; otherwise one derived from the content. */
function messagingKey(item: MetaMessagingItem): string {
  const sender = text(item.sender?.id ?? '');
  if (item.message?.mid) return item.message.is_deleted ? `deleted:${text(item.message.mid)}` : `mid:${text(item.message.mid)}`;
  if (item.reaction?.mid)
    return `reaction:${text(item.reaction.mid)}:${sender}:${text(item.reaction.action)}:${text(item.reaction.emoji ?? '')}:${text(item.timestamp)}`;
  if (item.message_edit?.mid) return `edit:${text(item.message_edit.mid)}:${text(item.message_edit.num_edit)}:${digest(item.message_edit.text ?? '')}`;
  if (item.postback) return item.postback.mid ? `mid:${text(item.postback.mid)}` : `postback:${digest(item)}`;
  if (item.delivery) return `delivery:${sender}:${text(item.delivery.watermark)}:${digest(item.delivery.mids ?? [])}`;
  if (item.read) return item.read.mid ? `read:${text(item.read.mid)}` : `read:${sender}:${text(item.read.watermark)}`;
  return `item:${digest(item)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `value` as a list when it is one; `undefined` when absent; `'malformed'` when it is anything else. */
function listOf<T>(value: unknown): T[] | undefined | 'malformed' {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? (value as T[]) : 'malformed';
}

const arrayOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A field name fit for a reason: Meta's own names only (short, no spaces), anything else is "unknown". */
const fieldName = (v: unknown): string => (typeof v === 'string' && /^[a-z_]{1,60}$/.test(v) ? v : 'unknown');

/** The WhatsApp fields whose items the inbox reads; every other field is counted as ignored. */
const READ_FIELDS = new Set(['messages', 'smb_message_echoes', 'user_preferences']);

/** Why a number's other fields are not for the inbox. */
const NUMBER_FIELDS: Record<string, string> = {
  calls: 'call signalling (VoIP): calls are not messages',
  phone_number_name_update: "a review of the number's display name",
  phone_number_quality_update: "a change of the number's quality rating or messaging limit",
};

/** The same for fields about the whole WABA (they name no number). */
const WABA_FIELDS: Record<string, string> = {
  message_template_status_update: 'a template review result: about templates, not a conversation',
  message_template_quality_update: "a change of a template's quality rating",
  template_category_update: "a change of a template's category",
};

/** Genuine but of no use to the inbox: counted under `reason`, not stored (so a redelivery is counted again). */
const notRead = (kind: ChannelKind, routingKey: string, reason: string, change: Record<string, unknown>): WebhookItem => ({
  kind,
  routingKey,
  dedupeKey: `ignored:${digest(change)}`,
  payload: {},
  ignored: reason,
});

/** An item that cannot be processed, kept for an admin: deduplicated on its content. */
const malformed = (kind: ChannelKind, routingKey: string, reason: string, payload: Record<string, unknown>): WebhookItem => ({
  kind,
  routingKey,
  dedupeKey: `malformed:${digest(payload)}`,
  payload: { malformed: payload },
  parked: `MALFORMED_PAYLOAD: ${reason}`,
});

/**
 * Splits one Meta webhook POST (many entries, possibly for many pages, i.e. tenants) into items.
 * Only reads: nothing here may throw on odd input. What cannot be routed (no page or phone
 * number id) is skipped; what can be routed but is not of the documented shape (`messaging` an
 * object, `messages` a number...) becomes a parked item, so the rest of the batch is stored.
 */
export function splitMetaWebhook(body: MetaWebhookBody): WebhookItem[] {
  const items: WebhookItem[] = [];
  if (!isObject(body)) return items;
  const kind: ChannelKind | undefined =
    body.object === 'page' ? 'messenger' : body.object === 'instagram' ? 'instagram' : body.object === 'whatsapp_business_account' ? 'whatsapp' : undefined;
  const entries = listOf<unknown>(body.entry);
  if (!kind || !Array.isArray(entries)) return items;

  for (const entry of entries) {
    if (!isObject(entry)) continue;
    if (kind !== 'whatsapp') {
      const routingKey = accountId(entry.id);
      if (!routingKey) continue;
      // Page and Instagram `changes` (feed, comments, mentions) are not conversations.
      for (const change of arrayOf(entry.changes))
        if (isObject(change)) items.push(notRead(kind, routingKey, `a ${fieldName(change.field)} change: not a conversation`, change));
      // `standby`: the Page's primary receiver is another app (Meta Business Suite, a chatbot);
      // its items are the End Users' messages and the Page's replies all the same.
      for (const field of ['messaging', 'standby'] as const) {
        const list = listOf<unknown>(entry[field]);
        if (list === 'malformed') {
          items.push(malformed(kind, routingKey, `entry.${field} is not a list`, { entry }));
          continue;
        }
        for (const item of list ?? []) {
          if (isObject(item)) items.push({ kind, routingKey, dedupeKey: messagingKey(item as MetaMessagingItem), payload: { item } });
          else if (item !== null) items.push(malformed(kind, routingKey, `a ${field} item is not an object`, { item }));
        }
      }
      continue;
    }
    const changes = listOf<unknown>(entry.changes);
    for (const change of Array.isArray(changes) ? changes : []) {
      if (!isObject(change) || !isObject(change.value)) continue;
      const value = change.value as WhatsAppChangeValue & Record<string, unknown>;
      const routingKey = accountId(isObject(value.metadata) ? value.metadata.phone_number_id : undefined);
      const waba = accountId(entry.id);
      if (!routingKey) {
        // About the whole WABA (no phone number in it): every number of it connected here hears of it.
        if (!waba) continue;
        if (change.field === 'account_update')
          items.push({
            kind,
            routingKey: waba,
            toAccountGroup: true,
            dedupeKey: `account_update:${text(entry.time)}:${digest(value)}`,
            payload: { accountUpdate: value as WhatsAppAccountUpdate },
          });
        else
          items.push({
            ...notRead(kind, waba, WABA_FIELDS[String(change.field)] ?? `a WhatsApp ${fieldName(change.field)} change`, change),
            toAccountGroup: true,
          });
        continue;
      }
      if (!READ_FIELDS.has(String(change.field))) {
        items.push(notRead(kind, routingKey, NUMBER_FIELDS[String(change.field)] ?? `a WhatsApp ${fieldName(change.field)} change`, change));
        continue;
      }
      const contacts = listOf<unknown>(value.contacts);
      const contactOf = (waId: unknown) => (Array.isArray(contacts) ? contacts.find((c) => isObject(c) && c.wa_id === waId) : undefined) ?? null;
      if (change.field === 'smb_message_echoes') {
        // Replies typed in the WhatsApp Business app on a number that is also on the Cloud API (coexistence).
        const echoes = listOf<unknown>(value.message_echoes);
        if (echoes === 'malformed') items.push(malformed(kind, routingKey, 'value.message_echoes is not a list', { message_echoes: value.message_echoes }));
        for (const echo of Array.isArray(echoes) ? echoes : []) {
          if (!isObject(echo)) continue;
          items.push({
            kind,
            routingKey,
            dedupeKey: echo.id ? `echo:${text(echo.id)}` : `item:${digest(echo)}`,
            payload: { echo: echo as WhatsAppMessage, contact: contactOf(echo.to) },
          });
        }
        continue;
      }
      if (change.field === 'user_preferences') {
        const preferences = listOf<unknown>(value.user_preferences);
        for (const preference of Array.isArray(preferences) ? preferences : []) {
          if (!isObject(preference)) continue;
          const p = preference as WhatsAppUserPreference;
          items.push({
            kind,
            routingKey,
            dedupeKey: `preference:${text(p.wa_id)}:${text(p.category)}:${text(p.value)}:${text(p.timestamp)}`,
            payload: { preference: p, contact: contactOf(p.wa_id) },
          });
        }
        continue;
      }
      const errors = listOf<unknown>(value.errors);
      if (Array.isArray(errors) && errors.length) items.push({ kind, routingKey, dedupeKey: `errors:${digest(errors)}`, payload: { errors } });
      const messages = listOf<unknown>(value.messages);
      const statuses = listOf<unknown>(value.statuses);
      if (messages === 'malformed') items.push(malformed(kind, routingKey, 'value.messages is not a list', { messages: value.messages }));
      if (statuses === 'malformed') items.push(malformed(kind, routingKey, 'value.statuses is not a list', { statuses: value.statuses }));
      for (const message of Array.isArray(messages) ? messages : []) {
        if (!isObject(message)) {
          if (message !== null) items.push(malformed(kind, routingKey, 'a message is not an object', { message }));
          continue;
        }
        const contact = Array.isArray(contacts) ? contacts.find((c) => isObject(c) && c.wa_id === message.from) : undefined;
        items.push({
          kind,
          routingKey,
          dedupeKey: message.id ? `wamid:${text(message.id)}` : `item:${digest(message)}`,
          payload: { message: message as WhatsAppMessage, contact: contact ?? null, ...(Array.isArray(value.errors) ? { errors: value.errors } : {}) },
        });
      }
      for (const status of Array.isArray(statuses) ? statuses : []) {
        if (!isObject(status)) {
          if (status !== null) items.push(malformed(kind, routingKey, 'a status is not an object', { status }));
          continue;
        }
        items.push({ kind, routingKey, dedupeKey: `status:${text(status.id)}:${text(status.status)}`, payload: { status: status as WhatsAppStatus } });
      }
    }
  }
  return items;
}
