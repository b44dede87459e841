import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import {
  Attachment,
  EchoMessage,
  InboundMessage,
  InboundRecorder,
  InboundResult,
  Message,
  Reaction,
  ReceiptStatus,
  RecordedInbound,
  STATUS_RANK,
  TenantRef,
} from '../../../libs/domain/src';
import { RegionDatabases } from '../../database/region-databases';
import { rows } from '../../database/sql';
import { ContactIdentityEntity, ConversationEntity, MessageEntity } from './conversation.entities';
import { movesForward, toConversation, toMessage } from './entity-mappers';
import { recordInboundBatch } from './inbound-batch';
import { byPlatformId, messageIdByPlatformId } from './platform-ids';

/** What platforms tell us, recorded idempotently (see InboundRecorder). */
@Injectable()
export class TypeOrmInboundRecorder extends InboundRecorder {
  constructor(private readonly dbs: RegionDatabases) {
    super();
  }

  recordInboundBatch(tenant: TenantRef, inbounds: readonly InboundMessage[]): Promise<RecordedInbound[]> {
    return this.dbs.forTenant(tenant, (tx) => recordInboundBatch(tx, tenant.tenantId, inbounds));
  }

  recordInbound(tenant: TenantRef, inbound: InboundMessage): Promise<InboundResult> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const t = tenant.tenantId;
      // Locking the sender's identity serialises concurrent deliveries from one End User, so a
      // duplicate can neither open a second conversation nor insert a second message.
      const identity = await this.lockIdentity(tx, t, inbound);

      const existingId = await messageIdByPlatformId(tx, t, inbound.channelId, inbound.externalMessageId);
      if (existingId) {
        const existing = await tx.findOneOrFail(MessageEntity, { where: { tenantId: t, id: existingId } });
        const conversation = await tx.findOneOrFail(ConversationEntity, { where: { tenantId: t, id: existing.conversationId } });
        return { conversation: toConversation(conversation), message: toMessage(existing), created: false };
      }

      const threaded = inbound.thread ? await this.threadedConversation(tx, t, identity.contactId, inbound.channelId, inbound.thread) : null;
      const auto = inbound.autoReply === true;
      // An automatic reply joins the conversation it answers, else the contact's latest on the
      // channel whatever its state; only with none at all does it start one, already resolved.
      const open = inbound.thread
        ? (threaded ?? (auto ? await this.latestConversation(tx, t, identity.contactId, inbound.channelId) : null))
        : await this.latestOpenConversation(tx, t, identity.contactId, inbound.channelId);
      const conversationId: string = open
        ? open
        : (
            await tx.query(
              `insert into conversations (tenant_id, contact_id, channel_id, status, last_message_at, last_inbound_at)
               values ($1, $2, $3, $5, $4, case when $6 then null else $4::timestamptz end) returning id`,
              [t, identity.contactId, inbound.channelId, inbound.sentAt, auto ? 'resolved' : 'open', auto],
            )
          )[0].id;

      const [message] = await tx.query(
        `insert into messages (tenant_id, conversation_id, channel_id, direction, text, attachments, context, external_id, reply_to_external_id, sent_at, subject, auto_reply)
         values ($1, $2, $3, 'inbound', $4, $5, $6, $7, $8, $9, $10, $11) returning id`,
        [
          t,
          conversationId,
          inbound.channelId,
          inbound.text ?? null,
          JSON.stringify(inbound.attachments ?? []),
          inbound.context ? JSON.stringify(inbound.context) : null,
          inbound.externalMessageId,
          inbound.replyToExternalId ?? null,
          inbound.sentAt,
          inbound.subject ?? null,
          auto,
        ],
      );
      // A snoozed conversation wakes up, and so does a resolved one that a threaded reply continues
      // (not by rating it); an automatic reply moves no state. The times moved with the insert (the
      // summary trigger, migration ConversationTimesOnWrite: only forward, as platforms deliver out
      // of order; an automatic reply's not the time the contact last wrote).
      if (!auto)
        await tx.query(
          `update conversations set status = 'open', updated_at = now()
           where tenant_id = $1 and id = $2 and (status = 'snoozed' or ($3 and status = 'resolved'))`,
          [t, conversationId, threaded !== null && !inbound.answersSurvey],
        );
      const [conversation, stored] = await Promise.all([
        tx.findOneOrFail(ConversationEntity, { where: { tenantId: t, id: conversationId } }),
        tx.findOneOrFail(MessageEntity, { where: { tenantId: t, id: message.id } }),
      ]);
      return { conversation: toConversation(conversation), message: toMessage(stored), created: true };
    });
  }

  /** The sender's latest unresolved conversation on the channel, which a new message continues. */
  private async latestOpenConversation(tx: EntityManager, t: string, contactId: string, channelId: string): Promise<string | null> {
    const [open] = await tx.query(
      `select id from conversations where tenant_id = $1 and contact_id = $2 and channel_id = $3 and status <> 'resolved'
       order by last_message_at desc limit 1`,
      [t, contactId, channelId],
    );
    return open ? open.id : null;
  }

  /** The sender's most recent conversation on the channel, resolved or not. */
  private async latestConversation(tx: EntityManager, t: string, contactId: string, channelId: string): Promise<string | null> {
    const [c] = await tx.query(
      `select id from conversations where tenant_id = $1 and contact_id = $2 and channel_id = $3 order by last_message_at desc limit 1`,
      [t, contactId, channelId],
    );
    return c ? c.id : null;
  }

  /** The sender's conversation on this channel that a threaded message names (see InboundMessage.thread). */
  private async threadedConversation(
    tx: EntityManager,
    t: string,
    contactId: string,
    channelId: string,
    thread: NonNullable<InboundMessage['thread']>,
  ): Promise<string | null> {
    if (thread.conversationId) {
      const [c] = await tx.query(`select id from conversations where tenant_id = $1 and id = $2 and contact_id = $3 and channel_id = $4`, [
        t,
        thread.conversationId,
        contactId,
        channelId,
      ]);
      if (c) return c.id;
    }
    const ids = (thread.externalIds ?? []).filter((id) => typeof id === 'string' && id).slice(0, 100);
    if (ids.length === 0) return null;
    // One probe of the unique key per id: with `= any`, the planner may walk the channel's history by time instead.
    const [m] = await tx.query(
      `select m.conversation_id from unnest($3::text[]) as k(external_id)
       cross join lateral ${byPlatformId('$2', 'k.external_id')} m
       cross join lateral (select contact_id from conversations where tenant_id = $1 and id = m.conversation_id limit 1) c
       where c.contact_id = $4
       order by m.sent_at desc limit 1`,
      [t, channelId, ids, contactId],
    );
    return m ? m.conversation_id : null;
  }

  recordEcho(tenant: TenantRef, echo: EchoMessage): Promise<{ message: Message; created: boolean } | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const t = tenant.tenantId;
      const existing = async () => {
        const id = await messageIdByPlatformId(tx, t, echo.channelId, echo.externalMessageId);
        return id ? { message: toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: t, id } })), created: false } : null;
      };
      const stored = await existing();
      if (stored) return stored;
      const identity = await this.lockIdentity(tx, t, { ...echo, contactName: null });
      const open = await this.latestOpenConversation(tx, t, identity.contactId, echo.channelId);
      const conversationId: string = open
        ? open
        : (
            await tx.query(
              `insert into conversations (tenant_id, contact_id, channel_id, status, last_message_at) values ($1, $2, $3, 'open', $4) returning id`,
              [t, identity.contactId, echo.channelId, echo.sentAt],
            )
          )[0].id;
      // The echo claims its id where a send records its own (migration SentPlatformIds): whichever
      // commits second sees the other's, so an echo of a send being recorded is not stored twice.
      // Its id made as the messages table makes them (migration MessageIdsInInsertOrder).
      const claimed = await rows<{ message_id: string }>(
        tx,
        `insert into message_sent_ids (tenant_id, channel_id, external_id, message_id) values ($1, $2, $3, time_ordered_uuid())
         on conflict (tenant_id, channel_id, external_id) do nothing returning message_id`,
        [t, echo.channelId, echo.externalMessageId],
      );
      if (claimed.length === 0) return existing();
      const messageId = claimed[0].message_id;
      const [row] = await tx.query(
        `insert into messages (tenant_id, id, conversation_id, channel_id, direction, text, attachments, status, external_id, sent_at)
         values ($1, $8, $2, $3, 'outbound', $4, $5, 'sent', $6, $7)
         on conflict (tenant_id, channel_id, external_id) do nothing returning id`,
        [t, conversationId, echo.channelId, echo.text, JSON.stringify(echo.attachments), echo.externalMessageId, echo.sentAt, messageId],
      );
      if (!row) {
        await tx.query(`delete from message_sent_ids where tenant_id = $1 and channel_id = $2 and external_id = $3`, [
          t,
          echo.channelId,
          echo.externalMessageId,
        ]);
        return null;
      }
      // The conversation's last_message_at moved with the insert (migration ConversationTimesOnWrite).
      return { message: toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: t, id: row.id } })), created: true };
    });
  }

  applyReceipt(
    tenant: TenantRef,
    channelId: string,
    externalMessageId: string,
    status: ReceiptStatus,
    error?: { code: string; text: string },
  ): Promise<Message | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      // Locked: receipts of one message processed side by side must not both judge the old status.
      const id = await messageIdByPlatformId(tx, tenant.tenantId, channelId, externalMessageId);
      const message = id
        ? await tx.findOne(MessageEntity, { where: { tenantId: tenant.tenantId, id, direction: 'outbound' }, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!message) return null;
      if (!movesForward(message.status, status)) return toMessage(message);
      await tx.query(`update messages set status = $3, error_code = $4, error_text = $5 where tenant_id = $1 and id = $2`, [
        tenant.tenantId,
        message.id,
        status,
        error?.code ?? null,
        error?.text ?? null,
      ]);
      return toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: tenant.tenantId, id: message.id } }));
    });
  }

  applyWatermark(tenant: TenantRef, channelId: string, externalContactId: string, status: 'delivered' | 'read', watermark: Date): Promise<Message[]> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const below = Object.entries(STATUS_RANK)
        .filter(([, rank]) => rank >= STATUS_RANK.sent && rank < STATUS_RANK[status])
        .map(([s]) => s);
      const updated = await rows<{ id: string }>(
        tx,
        `update messages m set status = $5
         from contact_identities i
         join conversations c on c.tenant_id = i.tenant_id and c.contact_id = i.contact_id and c.channel_id = i.channel_id
         where i.tenant_id = $1 and i.channel_id = $2 and i.external_id = $3
           and m.tenant_id = $1 and m.conversation_id = c.id and m.direction = 'outbound'
           and m.sent_at <= $4 and m.status = any($6)
         returning m.id`,
        [tenant.tenantId, channelId, externalContactId, watermark, status, below],
      );
      if (updated.length === 0) return [];
      return (await tx.find(MessageEntity, { where: { tenantId: tenant.tenantId, id: In(updated.map((u) => u.id)) } })).map(toMessage);
    });
  }

  applyReaction(tenant: TenantRef, channelId: string, externalMessageId: string, emoji: string | null): Promise<Message | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const reactions: Reaction[] = emoji ? [{ by: 'contact', emoji }] : [];
      const updated = await rows<{ id: string }>(
        tx,
        `update messages set reactions = $4 where tenant_id = $1 and id = (select id from ${byPlatformId('$2', '$3')} m) returning id`,
        [tenant.tenantId, channelId, externalMessageId, JSON.stringify(reactions)],
      );
      return updated[0] ? toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: tenant.tenantId, id: updated[0].id } })) : null;
    });
  }

  eraseMessageContent(tenant: TenantRef, channelId: string, externalMessageId: string): Promise<Message | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const updated = await rows<{ id: string }>(
        tx,
        `update messages set text = null, subject = null, attachments = '[]', context = null, reactions = '[]', edits = '[]', deleted_at = coalesce(deleted_at, now())
         where tenant_id = $1 and id = (select id from ${byPlatformId('$2', '$3')} m) returning id`,
        [tenant.tenantId, channelId, externalMessageId],
      );
      // The copies of its files go too (their blobs with their last upload).
      if (updated[0]) await tx.query(`delete from uploads where tenant_id = $1 and message_id = $2`, [tenant.tenantId, updated[0].id]);
      return updated[0] ? toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: tenant.tenantId, id: updated[0].id } })) : null;
    });
  }

  applyEdit(
    tenant: TenantRef,
    channelId: string,
    externalMessageId: string,
    edit: { text: string | null; attachments: Attachment[]; editedAt: Date },
  ): Promise<Message | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const t = tenant.tenantId;
      // Locked: edits of one message processed side by side must each see the other's result.
      // Either side's: only its author can edit a message, on the platform (the business too, in the platform's own app).
      const id = await messageIdByPlatformId(tx, t, channelId, externalMessageId);
      const message = id ? await tx.findOne(MessageEntity, { where: { tenantId: t, id }, lock: { mode: 'pessimistic_write' } }) : null;
      if (!message) return null;
      // Content the End User deleted, or that was erased, stays erased.
      if (message.deletedAt) return toMessage(message);
      type Version = { text: string | null; attachments: Attachment[]; at: string };
      const same = (a: Version, b: Version) => a.at === b.at && a.text === b.text && JSON.stringify(a.attachments) === JSON.stringify(b.attachments);
      const incoming: Version = { text: edit.text, attachments: edit.attachments, at: edit.editedAt.toISOString() };
      const versions: Version[] = [
        ...(message.edits ?? []),
        { text: message.text, attachments: message.attachments, at: (message.editedAt ?? message.sentAt).toISOString() },
      ];
      if (versions.some((v) => same(v, incoming))) return toMessage(message);
      // Edits may arrive out of order: the newest version is the content, the rest is history (ISO times sort as text).
      const ordered = [...versions, incoming].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      const latest = ordered.pop()!;
      const editedAt = message.editedAt && message.editedAt > edit.editedAt ? message.editedAt : edit.editedAt;
      await tx.query(`update messages set text = $3, attachments = $4, edits = $5, edited_at = $6 where tenant_id = $1 and id = $2`, [
        t,
        message.id,
        latest.text,
        JSON.stringify(latest.attachments),
        JSON.stringify(ordered),
        editedAt,
      ]);
      return toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: t, id: message.id } }));
    });
  }

  recordPlatformConsent(
    tenant: TenantRef,
    who: Pick<InboundMessage, 'channelId' | 'channelKind' | 'externalContactId' | 'contactName'>,
    consent: { purpose: 'whatsapp_marketing'; granted: boolean; source: string; at: Date },
  ): Promise<void> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const identity = await this.lockIdentity(tx, tenant.tenantId, who);
      // Redelivered or overtaken preferences: the latest choice by the platform's time stands.
      await tx.query(
        `insert into contact_consents as c (tenant_id, contact_id, purpose, granted, source, recorded_at, recorded_by) values ($1, $2, $3, $4, $5, $6, null)
         on conflict (tenant_id, contact_id, purpose) do update set granted = excluded.granted, source = excluded.source,
           recorded_at = excluded.recorded_at, recorded_by = null
         where c.recorded_at <= excluded.recorded_at`,
        [tenant.tenantId, identity.contactId, consent.purpose, consent.granted, consent.source, consent.at],
      );
    });
  }

  identitiesDueForProfile(tenant: TenantRef, channelId: string, externalContactIds: readonly string[], readBefore: Date): Promise<string[]> {
    return this.dbs.forTenant(tenant, async (tx) =>
      (
        await rows<{ external_id: string }>(
          tx,
          `select external_id from contact_identities
           where tenant_id = $1 and channel_id = $2 and external_id = any($3::text[]) and (profile_fetched_at is null or profile_fetched_at < $4)`,
          [tenant.tenantId, channelId, [...externalContactIds], readBefore],
        )
      ).map((r) => r.external_id),
    );
  }

  recordProfileName(tenant: TenantRef, channelId: string, externalContactId: string, name: string | null, at: Date): Promise<void> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const [identity] = await rows<{ contact_id: string }>(
        tx,
        `update contact_identities set profile_fetched_at = $4 where tenant_id = $1 and channel_id = $2 and external_id = $3 returning contact_id`,
        [tenant.tenantId, channelId, externalContactId, at],
      );
      if (!identity || !name) return;
      await tx.query(
        `update contacts set display_name = $3, updated_at = now() where tenant_id = $1 and id = $2 and display_name is distinct from $3 and not display_name_locked`,
        [tenant.tenantId, identity.contact_id, name],
      );
    });
  }

  setIdentityBlocked(tenant: TenantRef, channelId: string, externalContactId: string, blocked: boolean, at: Date): Promise<boolean> {
    return this.dbs.forTenant(tenant, async (tx) => {
      // Block and unblock may be processed out of order: a change older than the recorded one is ignored.
      await tx.query(
        `update contact_identities set blocked_at = case when $4 then coalesce(blocked_at, $5) else null end, blocked_changed_at = $5
         where tenant_id = $1 and channel_id = $2 and external_id = $3 and (blocked_changed_at is null or blocked_changed_at <= $5)`,
        [tenant.tenantId, channelId, externalContactId, blocked, at],
      );
      return tx.exists(ContactIdentityEntity, { where: { tenantId: tenant.tenantId, channelId, externalId: externalContactId } });
    });
  }

  moveIdentity(tenant: TenantRef, channelId: string, fromExternalId: string, toExternalId: string): Promise<boolean> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const moved = await rows<{ id: string }>(
        tx,
        `update contact_identities set external_id = $4
         where tenant_id = $1 and channel_id = $2 and external_id = $3
           and not exists (select 1 from contact_identities o where o.tenant_id = $1 and o.channel_id = $2 and o.external_id = $4)
         returning id`,
        [tenant.tenantId, channelId, fromExternalId, toExternalId],
      );
      return moved.length > 0;
    });
  }

  /** Finds or creates the contact behind (channel, external id) and locks its identity row. */
  private async lockIdentity(
    tx: EntityManager,
    tenantId: string,
    inbound: Pick<InboundMessage, 'channelId' | 'channelKind' | 'externalContactId' | 'contactName'>,
  ): Promise<{ id: string; contactId: string }> {
    const select = () =>
      tx.query(
        `select id, contact_id as "contactId" from contact_identities
         where tenant_id = $1 and channel_id = $2 and external_id = $3 for update`,
        [tenantId, inbound.channelId, inbound.externalContactId],
      );
    const [found] = await select();
    if (found) {
      if (inbound.contactName) {
        await tx.query(
          `update contacts set display_name = $3, updated_at = now() where tenant_id = $1 and id = $2 and display_name is distinct from $3 and not display_name_locked`,
          [tenantId, found.contactId, inbound.contactName],
        );
      }
      return found;
    }
    const [contact] = await tx.query(`insert into contacts (tenant_id, display_name) values ($1, $2) returning id`, [tenantId, inbound.contactName ?? null]);
    const [created] = await tx.query(
      `insert into contact_identities (tenant_id, contact_id, channel_id, channel_kind, external_id)
       values ($1, $2, $3, $4, $5) on conflict (tenant_id, channel_id, external_id) do nothing
       returning id, contact_id as "contactId"`,
      [tenantId, contact.id, inbound.channelId, inbound.channelKind, inbound.externalContactId],
    );
    if (created) return created;
    // Another delivery created the identity first: drop our contact and use theirs.
    await tx.query(`delete from contacts where tenant_id = $1 and id = $2`, [tenantId, contact.id]);
    const [winner] = await select();
    return winner;
  }
}
