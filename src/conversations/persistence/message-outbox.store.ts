import { Injectable } from '@nestjs/common';
import { DeliveryTask, Message, MessageOutbox, NewOutboundMessage, TenantRef, conflict } from '../../../libs/domain/src';
import { RegionDatabases } from '../../database/region-databases';
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
         values ($1, $2, $3, 'outbound', $4, $5, $6, 'queued', $7, $8, $9, $10, $11) returning id, sent_at`,
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
      await tx.query(`update conversations set last_message_at = greatest(last_message_at, $3), updated_at = now() where tenant_id = $1 and id = $2`, [
        tenant.tenantId,
        conversation.id,
        row.sent_at,
      ]);
      return toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: tenant.tenantId, id: row.id } }));
    });
  }

  async conversationsOf(tenant: TenantRef, messageIds: readonly string[]): Promise<Map<string, string>> {
    const found = await this.dbs.statementForTenant<{ id: string; conversation_id: string }>(
      tenant,
      `select id, conversation_id from messages where tenant_id = $1 and id = any($2::uuid[])`,
      [tenant.tenantId, messageIds],
    );
    return new Map(found.map((r) => [r.id, r.conversation_id]));
  }

  loadDelivery(tenant: TenantRef, messageId: string): Promise<DeliveryTask | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const message = await tx.findOne(MessageEntity, { where: { tenantId: tenant.tenantId, id: messageId } });
      if (!message) return null;
      const conversation = await tx.findOneOrFail(ConversationEntity, { where: { tenantId: tenant.tenantId, id: message.conversationId } });
      const identity = await tx.findOne(ContactIdentityEntity, {
        where: { tenantId: tenant.tenantId, contactId: conversation.contactId, channelId: conversation.channelId },
      });
      if (!identity) return null;
      // A quoted message still queued when this reply was written may have its platform id by now.
      const [quoted] = message.replyToId
        ? await rows<{ external_id: string | null }>(tx, `select external_id from messages where tenant_id = $1 and id = $2`, [
            tenant.tenantId,
            message.replyToId,
          ])
        : [];
      return {
        replyToExternalId: quoted?.external_id ?? message.replyToExternalId,
        message: toMessage(message),
        conversation: toConversation(conversation),
        channelId: conversation.channelId,
        recipientExternalId: identity.externalId,
        template: message.template,
        choices: message.choices,
      };
    });
  }

  markSent(tenant: TenantRef, messageId: string, externalId: string): Promise<Message> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const message = await tx.findOneOrFail(MessageEntity, { where: { tenantId: tenant.tenantId, id: messageId } });
      // The platform's echo may have beaten our own bookkeeping: it is this very message.
      await tx.query(
        `delete from messages where tenant_id = $1 and channel_id = $2 and external_id = $3 and id <> $4 and author_id is null and direction = 'outbound'`,
        [tenant.tenantId, message.channelId, externalId, messageId],
      );
      await tx.query(
        `update messages set external_id = $3, status = case when status = 'queued' then 'sent' else status end, error_code = null, error_text = null
         where tenant_id = $1 and id = $2`,
        [tenant.tenantId, messageId, externalId],
      );
      return toMessage(await tx.findOneOrFail(MessageEntity, { where: { tenantId: tenant.tenantId, id: messageId } }));
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
