import { Injectable } from '@nestjs/common';
import { DeliveryTask, Message, MessageOutbox, MessageStatus, MessageStatusChange, NewOutboundMessage, TenantRef, conflict } from '../../../libs/domain/src';
import { RegionDatabases } from '../../database/region-databases';
import { In } from 'typeorm';
import { rows } from '../../database/sql';
import { JobQueue } from '../../queue/job-queue.service';
import { ContactIdentityEntity, ConversationEntity, MessageEntity } from './conversation.entities';
import { toConversation, toMessage } from './entity-mappers';

/** Replies queued with their delivery job, and how their delivery went (see MessageOutbox). */
@Injectable()
export class TypeOrmMessageOutbox extends MessageOutbox {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly queue: JobQueue,
  ) {
    super();
  }

  addOutboundMessage(tenant: TenantRef, input: NewOutboundMessage): Promise<Message> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const conversation = await tx.findOneOrFail(ConversationEntity, { where: { tenantId: tenant.tenantId, id: input.conversationId } });
      const [row] = await tx.query(
        `insert into messages (tenant_id, conversation_id, channel_id, direction, text, attachments, template, status, author_id, auto_reply, reply_to_id, reply_to_external_id, choices)
         values ($1, $2, $3, 'outbound', $4, $5, $6, 'queued', $7, $8, $9, $10, $11) returning id`,
        [
          tenant.tenantId,
          conversation.id,
          conversation.channelId,
          input.text,
          JSON.stringify(input.attachments ?? []),
          input.template ? JSON.stringify(input.template) : null,
          input.authorId,
          input.autoReply ?? false,
          input.replyTo?.id ?? null,
          input.replyTo?.externalId ?? null,
          input.choices ? JSON.stringify(input.choices) : null,
        ],
      );
      if (input.uploadIds?.length) {
        const claimed = await rows(tx, `update uploads set message_id = $3 where tenant_id = $1 and id = any($2::uuid[]) and message_id is null returning id`, [
          tenant.tenantId,
          input.uploadIds,
          row.id,
        ]);
        if (claimed.length !== input.uploadIds.length) throw conflict('UPLOAD_ALREADY_SENT', 'An upload was sent with another message meanwhile');
      }
      // The outbox: the job commits with the message, so a queued message is never forgotten.
      await this.queue.enqueue(tx, 'outbound', tenant.tenantId, row.id);
      // The conversation's last_message_at moved with the insert (migration ConversationTimesOnWrite).
      return toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: tenant.tenantId, id: row.id } }));
    });
  }

  loadDeliveries(tenant: TenantRef, messageIds: readonly string[]): Promise<Map<string, DeliveryTask | null>> {
    // One statement per table for the whole batch, instead of four per message.
    return this.dbs.forTenant(tenant, async (tx) => {
      const tenantId = tenant.tenantId;
      const found = new Map<string, DeliveryTask | null>(messageIds.map((id) => [id, null]));
      if (messageIds.length === 0) return found;
      const messages = await tx.find(MessageEntity, { where: { tenantId, id: In([...new Set(messageIds)]) } });
      if (messages.length === 0) return found;
      const conversations = new Map(
        (await tx.find(ConversationEntity, { where: { tenantId, id: In([...new Set(messages.map((m) => m.conversationId))]) } })).map((c) => [c.id, c]),
      );
      const contactIds = [...new Set([...conversations.values()].map((c) => c.contactId))];
      const identities = contactIds.length ? await tx.find(ContactIdentityEntity, { where: { tenantId, contactId: In(contactIds) } }) : [];
      const identityOf = new Map(identities.map((i) => [`${i.contactId}:${i.channelId}`, i]));
      // A quoted message still queued when this reply was written may have its platform id by now.
      const quotedIds = [...new Set(messages.flatMap((m) => (m.replyToId ? [m.replyToId] : [])))];
      const quoted = new Map(
        quotedIds.length
          ? (
              await rows<{ id: string; external_id: string | null }>(
                tx,
                `select id, coalesce(external_id, sent_external_id) as external_id from messages where tenant_id = $1 and id = any($2::uuid[])`,
                [tenantId, quotedIds],
              )
            ).map((r) => [r.id, r.external_id])
          : [],
      );
      for (const message of messages) {
        const conversation = conversations.get(message.conversationId);
        if (!conversation) {
          found.delete(message.id);
          continue;
        }
        const identity = identityOf.get(`${conversation.contactId}:${conversation.channelId}`);
        if (!identity) continue;
        found.set(message.id, {
          replyToExternalId: (message.replyToId ? quoted.get(message.replyToId) : null) ?? message.replyToExternalId,
          message: toMessage(message),
          conversation: toConversation(conversation),
          channelId: conversation.channelId,
          recipientExternalId: identity.externalId,
          template: message.template,
          choices: message.choices,
        });
      }
      return found;
    });
  }

  markSentMany(tenant: TenantRef, sent: ReadonlyArray<{ messageId: string; externalId: string }>): Promise<MessageStatusChange[]> {
    if (sent.length === 0) return Promise.resolve([]);
    return this.dbs.forTenant(tenant, async (tx) => {
      const ids = sent.map((s) => s.messageId);
      const externalIds = sent.map((s) => s.externalId);
      // Each id is claimed first, taken over from an echo that beat our own bookkeeping; waiting on
      // the key orders this against an echo being stored (see recordEcho), and the statements after
      // it see that echo.
      await tx.query(
        `insert into message_sent_ids as c (tenant_id, channel_id, external_id, message_id)
         select $1, m.channel_id, s.external_id, s.id from unnest($2::uuid[], $3::text[]) as s(id, external_id)
         join messages m on m.tenant_id = $1 and m.id = s.id
         on conflict (tenant_id, channel_id, external_id) do update set message_id = excluded.message_id
         where exists (select 1 from messages e where e.tenant_id = c.tenant_id and e.id = c.message_id and e.author_id is null and e.direction = 'outbound')`,
        [tenant.tenantId, ids, externalIds],
      );
      // The platform's echo may have beaten our own bookkeeping: it is this very message. What the
      // status events need comes back with the update: no statement to read the messages again. No
      // indexed column changes (the id goes to sent_external_id), so the new version can stay on its page (HOT).
      const updated = await rows<{ id: string; conversation_id: string; status: MessageStatus; error_code: null; error_text: null }>(
        tx,
        `with echoes as (
           delete from messages d using unnest($2::uuid[], $3::text[]) as s(id, external_id), messages m
           where m.tenant_id = $1 and m.id = s.id and d.tenant_id = $1 and d.channel_id = m.channel_id and d.external_id = s.external_id
             and d.id <> s.id and d.author_id is null and d.direction = 'outbound')
         update messages m set sent_external_id = s.external_id, status = case when m.status = 'queued' then 'sent' else m.status end, error_code = null, error_text = null
         from unnest($2::uuid[], $3::text[]) as s(id, external_id) where m.tenant_id = $1 and m.id = s.id
         returning m.id, m.conversation_id, m.status, m.error_code, m.error_text`,
        [tenant.tenantId, ids, externalIds],
      );
      const recorded = new Map<string, MessageStatusChange>(
        updated.map((r) => [r.id, { id: r.id, conversationId: r.conversation_id, status: r.status, errorCode: r.error_code, errorText: r.error_text }]),
      );
      return ids.flatMap((id) => (recorded.has(id) ? [recorded.get(id)!] : []));
    });
  }

  markFailed(tenant: TenantRef, messageId: string, code: string, text: string): Promise<Message> {
    return this.dbs.forTenant(tenant, async (tx) => {
      await tx.query(
        `update messages set status = 'failed', error_code = $3, error_text = $4 where tenant_id = $1 and id = $2 and status in ('queued', 'sent')`,
        [tenant.tenantId, messageId, code, text],
      );
      return toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: tenant.tenantId, id: messageId } }));
    });
  }

  failQueuedOfChannel(tenant: TenantRef, channelId: string, code: string, text: string): Promise<void> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const failed = await rows<{ id: string }>(
        tx,
        `update messages set status = 'failed', error_code = $3, error_text = $4 where tenant_id = $1 and channel_id = $2 and status = 'queued' returning id`,
        [tenant.tenantId, channelId, code, text],
      );
      await this.queue.discard(
        tx,
        'outbound',
        tenant.tenantId,
        failed.map((m) => m.id),
      );
    });
  }
}
