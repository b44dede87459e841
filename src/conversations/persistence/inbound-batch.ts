import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { ConversationStatus, InboundMessage, RecordedInbound } from '../../../libs/domain/src';
import { rows } from '../../database/sql';
import { byPlatformId } from './platform-ids';

/**
 * Records a batch of unthreaded inbound messages of one tenant with a fixed number of set-based
 * statements, whatever the batch size. The outcome is the one `recordInbound` reaches message by
 * message: same contacts, conversations, messages and timestamps; the ordering rules are the
 * same too (identities are locked first, in one order, so a concurrent delivery from the same
 * End User waits instead of opening a second conversation).
 *
 * Runs inside the caller's tenant transaction.
 */
export async function recordInboundBatch(tx: EntityManager, tenantId: string, inbounds: readonly InboundMessage[]): Promise<RecordedInbound[]> {
  if (inbounds.some((i) => i.thread)) throw new Error('recordInboundBatch: threaded messages are recorded one by one');
  if (inbounds.length === 0) return [];

  const contactOf = await lockIdentities(tx, tenantId, senders(inbounds));
  const messageKey = (channelId: string, externalId: string) => `${channelId}\0${externalId}`;

  // Redeliveries: the stored message and its conversation answer, nothing is written. Probes of
  // the unique keys per message (see rowsById on why not a join or `= any`: that plan scanned
  // the channel's whole history).
  const stored = new Map<string, { id: string; conversationId: string; status: ConversationStatus }>();
  const wanted = [...new Map(inbounds.map((i) => [messageKey(i.channelId, i.externalMessageId), i])).values()];
  for (const r of await rows<{ id: string; conversation_id: string; channel_id: string; external_id: string; status: ConversationStatus }>(
    tx,
    `select m.id, m.conversation_id, k.channel_id, k.external_id, c.status
     from unnest($2::uuid[], $3::text[]) as k(channel_id, external_id)
     cross join lateral ${byPlatformId('k.channel_id', 'k.external_id')} m
     cross join lateral (select status from conversations where tenant_id = $1 and id = m.conversation_id limit 1) c`,
    [tenantId, wanted.map((i) => i.channelId), wanted.map((i) => i.externalMessageId)],
  )) {
    stored.set(messageKey(r.channel_id, r.external_id), { id: r.id, conversationId: r.conversation_id, status: r.status });
  }

  // The first of each new message (a batch may repeat one), and the newest time per conversation key.
  const fresh: InboundMessage[] = [];
  const seen = new Set<string>();
  const newest = new Map<string, { contactId: string; channelId: string; at: Date }>();
  const threadKey = (contactId: string, channelId: string) => `${contactId}\0${channelId}`;
  for (const i of inbounds) {
    const k = messageKey(i.channelId, i.externalMessageId);
    if (stored.has(k) || seen.has(k)) continue;
    seen.add(k);
    fresh.push(i);
    const contactId = contactOf.get(senderKey(i))!;
    const tk = threadKey(contactId, i.channelId);
    const n = newest.get(tk);
    if (!n || n.at < i.sentAt) newest.set(tk, { contactId, channelId: i.channelId, at: i.sentAt });
  }

  // Each sender's latest unresolved conversation on the channel continues; otherwise a new one starts.
  const conversationOf = new Map<string, { id: string; status: ConversationStatus }>();
  let snoozed: string[] = [];
  if (newest.size > 0) {
    const keys = [...newest.values()];
    for (const r of await rows<{ id: string; contact_id: string; channel_id: string; status: ConversationStatus }>(
      tx,
      `select id, contact_id, channel_id, status from conversations
       where tenant_id = $1 and status <> 'resolved' and contact_id = any($2::uuid[]) and channel_id = any($3::uuid[])
       order by last_message_at desc`,
      [tenantId, distinct(keys.map((k) => k.contactId)), distinct(keys.map((k) => k.channelId))],
    )) {
      const k = threadKey(r.contact_id, r.channel_id);
      if (newest.has(k) && !conversationOf.has(k)) conversationOf.set(k, { id: r.id, status: r.status });
    }
    snoozed = [...conversationOf.values()].filter((c) => c.status === 'snoozed').map((c) => c.id);
    const started = keys.filter((k) => !conversationOf.has(threadKey(k.contactId, k.channelId))).map((k) => ({ ...k, id: randomUUID() }));
    if (started.length > 0) {
      await tx.query(
        `insert into conversations (tenant_id, id, contact_id, channel_id, status, last_message_at, last_inbound_at)
         select $1, id, contact_id, channel_id, 'open', at, at from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[]) as n(id, contact_id, channel_id, at)`,
        [tenantId, started.map((s) => s.id), started.map((s) => s.contactId), started.map((s) => s.channelId), started.map((s) => s.at.toISOString())],
      );
      for (const s of started) conversationOf.set(threadKey(s.contactId, s.channelId), { id: s.id, status: 'open' });
    }
  }

  const created = new Map<string, string>();
  if (fresh.length > 0) {
    // Ids numbered in the batch's order, which is arrival order: of messages with the same sent_at,
    // the one that came last is the newest (migration MessageIdsInInsertOrder).
    const inserted = await rows<{ id: string; channel_id: string; external_id: string }>(
      tx,
      `insert into messages (tenant_id, id, conversation_id, channel_id, direction, text, attachments, context, external_id, reply_to_external_id, sent_at)
       select $1, time_ordered_uuid(n.position::int), conversation_id, channel_id, 'inbound', text, attachments::jsonb, context::jsonb, external_id, reply_to, sent_at
       from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[]) with ordinality
         as n(conversation_id, channel_id, text, attachments, context, external_id, reply_to, sent_at, position)
       on conflict (tenant_id, channel_id, external_id) do nothing
       returning id, channel_id, external_id`,
      [
        tenantId,
        fresh.map((i) => conversationOf.get(threadKey(contactOf.get(senderKey(i))!, i.channelId))!.id),
        fresh.map((i) => i.channelId),
        fresh.map((i) => i.text ?? null),
        fresh.map((i) => JSON.stringify(i.attachments ?? [])),
        fresh.map((i) => (i.context ? JSON.stringify(i.context) : null)),
        fresh.map((i) => i.externalMessageId),
        fresh.map((i) => i.replyToExternalId ?? null),
        fresh.map((i) => i.sentAt.toISOString()),
      ],
    );
    // Under the identity locks nobody else can store these ids; if somebody did, the caller
    // rolls the batch back and records its messages one by one.
    if (inserted.length !== fresh.length) throw new Error('recordInboundBatch: a message of the batch was stored concurrently');
    for (const r of inserted) created.set(messageKey(r.channel_id, r.external_id), r.id);
  }

  // A snoozed conversation wakes up. The times (last_message_at, last_inbound_at: they only move
  // forward, platforms deliver out of order) move in the same update as the preview, by the
  // trigger on the messages' insert (migration ConversationTimesOnWrite): one update of each
  // conversation row per batch, not two. After the insert, not before: the insert locks all the
  // batch's conversations in id order (migration ConversationLockOrder), and waking one of them
  // first would lock it out of that order (a deadlock with a purge or a bulk change holding the
  // others, test conversation-lock-order).
  if (snoozed.length > 0) {
    const byId = new Map([...conversationOf.values()].map((c) => [c.id, c]));
    for (const r of await rows<{ id: string; status: ConversationStatus }>(
      tx,
      `update conversations c set status = 'open', updated_at = now()
       from (select x.ctid as row from unnest($2::uuid[]) as k(id)
             cross join lateral (select ctid from conversations where tenant_id = $1 and id = k.id limit 1) x) as n
       where c.ctid = n.row and c.status = 'snoozed'
       returning c.id, c.status`,
      [tenantId, snoozed],
    )) {
      byId.get(r.id)!.status = r.status;
    }
  }

  const reported = new Set<string>();
  return inbounds.map((i) => {
    const k = messageKey(i.channelId, i.externalMessageId);
    const before = stored.get(k);
    if (before) return { conversationId: before.conversationId, conversationStatus: before.status, messageId: before.id, created: false };
    const conversation = conversationOf.get(threadKey(contactOf.get(senderKey(i))!, i.channelId))!;
    const first = !reported.has(k);
    reported.add(k);
    return { conversationId: conversation.id, conversationStatus: conversation.status, messageId: created.get(k)!, created: first };
  });
}

const distinct = <T>(values: T[]): T[] => [...new Set(values)];

/**
 * The physical rows of `table` for the tenant's ids in $2, each with the value in $3 at the same
 * position, found with one primary-key probe per id: a lateral lookup with LIMIT, which the
 * planner cannot flatten into a join that scans all of the tenant's rows. Estimates of how many
 * rows one tenant has in a shared table are unreliable (statistics taken while the table was
 * young said 200 where there were 50,000), and such a plan grows with the tenant's history.
 */
const rowsById = (table: 'conversations' | 'contacts', valueType: 'timestamptz' | 'text') =>
  `select x.ctid as row, k.value from unnest($2::uuid[], $3::${valueType}[]) as k(id, value)
   cross join lateral (select ctid from ${table} where tenant_id = $1 and id = k.id limit 1) x`;

interface Sender {
  channelId: string;
  channelKind: InboundMessage['channelKind'];
  externalId: string;
  /** The newest name the batch carries (one by one, each message would have renamed the contact). */
  name: string | null;
}

const senderKey = (i: { channelId: string; externalContactId: string }) => `${i.channelId}\0${i.externalContactId}`;

function senders(inbounds: readonly InboundMessage[]): Map<string, Sender> {
  const all = new Map<string, Sender>();
  for (const i of inbounds) {
    const k = senderKey(i);
    const s = all.get(k) ?? { channelId: i.channelId, channelKind: i.channelKind, externalId: i.externalContactId, name: null };
    if (i.contactName) s.name = i.contactName;
    all.set(k, s);
  }
  return all;
}

/**
 * Finds or creates each sender's identity and contact and locks the identities, always in sender
 * key order, so two batches cannot lock each other out. Returns the contact id per sender key.
 */
async function lockIdentities(tx: EntityManager, tenantId: string, all: Map<string, Sender>): Promise<Map<string, string>> {
  const sorted = [...all.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const contactOf = new Map<string, string>();
  const lock = async (wanted: Sender[]) => {
    const found = await rows<{ contact_id: string; channel_id: string; external_id: string }>(
      tx,
      `select i.contact_id, i.channel_id, i.external_id
       from unnest($2::uuid[], $3::text[]) with ordinality as k(channel_id, external_id, n)
       cross join lateral (
         select contact_id, channel_id, external_id from contact_identities
         where tenant_id = $1 and channel_id = k.channel_id and external_id = k.external_id
         limit 1 for update) i
       order by k.n`,
      [tenantId, wanted.map((s) => s.channelId), wanted.map((s) => s.externalId)],
    );
    for (const r of found) contactOf.set(senderKey({ channelId: r.channel_id, externalContactId: r.external_id }), r.contact_id);
  };
  await lock(sorted.map(([, s]) => s));

  const renamed = sorted.filter(([k, s]) => s.name && contactOf.has(k));
  if (renamed.length > 0) {
    await tx.query(
      `update contacts c set display_name = n.name, updated_at = now()
       from (${rowsById('contacts', 'text')}) as n(row, name)
       where c.ctid = n.row and c.display_name is distinct from n.name and not c.display_name_locked`,
      [tenantId, renamed.map(([k]) => contactOf.get(k)), renamed.map(([, s]) => s.name)],
    );
  }

  const missing = sorted.filter(([k]) => !contactOf.has(k)).map(([k, s]) => ({ key: k, sender: s, contactId: randomUUID() }));
  if (missing.length === 0) return contactOf;
  await tx.query(`insert into contacts (tenant_id, id, display_name) select $1, * from unnest($2::uuid[], $3::text[])`, [
    tenantId,
    missing.map((m) => m.contactId),
    missing.map((m) => m.sender.name),
  ]);
  const claimed = await rows<{ contact_id: string; channel_id: string; external_id: string }>(
    tx,
    `insert into contact_identities (tenant_id, contact_id, channel_id, channel_kind, external_id)
     select $1, * from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[])
     on conflict (tenant_id, channel_id, external_id) do nothing
     returning contact_id, channel_id, external_id`,
    [
      tenantId,
      missing.map((m) => m.contactId),
      missing.map((m) => m.sender.channelId),
      missing.map((m) => m.sender.channelKind),
      missing.map((m) => m.sender.externalId),
    ],
  );
  for (const r of claimed) contactOf.set(senderKey({ channelId: r.channel_id, externalContactId: r.external_id }), r.contact_id);

  // Another delivery created some identities first: drop our contacts for them and use theirs.
  const won = new Set(claimed.map((c) => c.contact_id));
  const lost = missing.filter((m) => !won.has(m.contactId));
  if (lost.length > 0) {
    await tx.query(`delete from contacts where tenant_id = $1 and id = any($2::uuid[])`, [tenantId, lost.map((m) => m.contactId)]);
    await lock(lost.map((m) => m.sender));
  }
  return contactOf;
}
