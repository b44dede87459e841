import { randomUUID } from 'node:crypto';
import { signMetaBody } from '../../src/channels/meta/meta-signature';
import type { TestApp, HttpResult } from './test-app';

export const META_APP_SECRET = 'test-app-secret-0123456789';
export const META_VERIFY_TOKEN = 'test-verify-token';

/** Posts a webhook body exactly as Meta would: raw bytes signed with the app secret. */
export function postMetaWebhook(t: TestApp, body: unknown, opts: { secret?: string; signature?: string | null } = {}): Promise<HttpResult> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signature = opts.signature === undefined ? signMetaBody(opts.secret ?? META_APP_SECRET, raw) : opts.signature;
  return t.request('POST', '/webhooks/meta', { body: raw, headers: signature === null ? {} : { 'x-hub-signature-256': signature } });
}

const issuedPlatformIds = new Set<string>();

/**
 * A numeric platform id (page, IG account, phone number) unique in this test process. Ids made in
 * one loop share the millisecond, and their random part alone collided in CI (26 numbers of one
 * WhatsApp Business Account became 25), so an id already handed out is drawn again.
 */
export function platformId(): string {
  for (;;) {
    const id = String(Date.now()) + String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
    if (!issuedPlatformIds.has(id)) {
      issuedPlatformIds.add(id);
      return id;
    }
  }
}

export const messengerMessage = (pageId: string, psid: string, text: string, mid = `m_${randomUUID()}`, timestamp = Date.now()) => ({
  object: 'page',
  entry: [{ id: pageId, time: timestamp, messaging: [{ sender: { id: psid }, recipient: { id: pageId }, timestamp, message: { mid, text } }] }],
});

/** An `object: "instagram"` webhook: one entry for the IG account holding these messaging items. */
export const instagramWebhook = (igAccountId: string, items: Array<Record<string, unknown>>, time = Date.now()) => ({
  object: 'instagram',
  entry: [{ id: igAccountId, time, messaging: items }],
});

/** An Instagram Direct message from `igsid` (a fresh mid unless `message.mid` is given). */
export const instagramMessage = (igAccountId: string, igsid: string, message: Record<string, unknown>, timestamp = Date.now()) =>
  instagramWebhook(
    igAccountId,
    [{ sender: { id: igsid }, recipient: { id: igAccountId }, timestamp, message: { mid: `aWdf_${randomUUID()}`, ...message } }],
    timestamp,
  );

/** A WhatsApp user id (wa_id: E.164 digits without the plus), unique per call. */
export const waId = () => `49${platformId().slice(-11)}`;

/** A `whatsapp_business_account` webhook with one `messages` change for the phone number. */
export const whatsappWebhook = (wabaId: string, phoneNumberId: string, value: { contacts?: unknown[]; messages?: unknown[]; statuses?: unknown[] }) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: wabaId,
      changes: [
        {
          field: 'messages',
          value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001234', phone_number_id: phoneNumberId }, ...value },
        },
      ],
    },
  ],
});

/** WhatsApp times are unix seconds, as strings. */
export const waTimestamp = (at = Date.now()) => String(Math.floor(at / 1000));

/** One inbound WhatsApp message of `type` from `from` (a fresh wamid unless `message.id` is given). */
export const whatsappMessage = (
  wabaId: string,
  phoneNumberId: string,
  from: string,
  message: Record<string, unknown> & { type: string },
  opts: { name?: string; at?: number } = {},
) =>
  whatsappWebhook(wabaId, phoneNumberId, {
    contacts: [{ profile: { name: opts.name ?? 'WhatsApp User' }, wa_id: from }],
    messages: [{ from, id: `wamid.${randomUUID()}`, timestamp: waTimestamp(opts.at), ...message }],
  });

/** Status updates for messages we sent (`sent`, `delivered`, `read`, `failed`). */
export const whatsappStatuses = (
  wabaId: string,
  phoneNumberId: string,
  recipient: string,
  statuses: Array<{ id: string; status: string; errors?: unknown[]; at?: number }>,
) =>
  whatsappWebhook(wabaId, phoneNumberId, {
    statuses: statuses.map(({ at, ...s }) => ({ recipient_id: recipient, timestamp: waTimestamp(at), ...s })),
  });
