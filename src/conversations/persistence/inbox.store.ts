import { Injectable } from '@nestjs/common';
import { Conversation, ConversationFilter, ConversationPatch, InboxRepository, Message, Note, Page, PageRequest, TenantRef } from '../../../libs/domain/src';
import { RegionDatabases } from '../../database/region-databases';
import { ConversationEntity, MessageEntity, NoteEntity } from './conversation.entities';
import { restrictedViewer } from '../visibility';
import { keysetPage, toConversation, toMessage, toNote } from './entity-mappers';

const VISIBLE = 'conversation_visible(c.tenant_id, CAST(:viewer AS uuid), c.team_id, c.assignee_id)';

/** The inbox as agents see it (see InboxRepository). */
@Injectable()
export class TypeOrmInboxRepository extends InboxRepository {
  constructor(private readonly dbs: RegionDatabases) {
    super();
  }

  listConversations(tenant: TenantRef, filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>> {
    return this.dbs.forTenant(tenant, (tx) => {
      const qb = tx.createQueryBuilder(ConversationEntity, 'c').where('c.tenant_id = :tenantId', { tenantId: tenant.tenantId });
      if (filter.status) qb.andWhere('c.status = :status', { status: filter.status });
      if (filter.channelId) qb.andWhere('c.channel_id = :channelId', { channelId: filter.channelId });
      if (filter.assigneeId) qb.andWhere('c.assignee_id = :assigneeId', { assigneeId: filter.assigneeId });
      if (filter.contactId) qb.andWhere('c.contact_id = :contactId', { contactId: filter.contactId });
      qb.andWhere(VISIBLE, { viewer: restrictedViewer(tenant) });
      return keysetPage(qb, { at: 'c.last_message_at', id: 'c.id' }, page, toConversation, (c) => ({ at: c.lastMessageAt, id: c.id }));
    });
  }

  findConversation(tenant: TenantRef, id: string): Promise<Conversation | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      // Hidden from a restricted agent exactly as another organization's conversation is.
      const row = await tx
        .createQueryBuilder(ConversationEntity, 'c')
        .where('c.tenant_id = :tenantId and c.id = :id', { tenantId: tenant.tenantId, id })
        .andWhere(VISIBLE, { viewer: restrictedViewer(tenant) })
        .getOne();
      return row ? toConversation(row) : null;
    });
  }

  updateConversation(tenant: TenantRef, id: string, patch: ConversationPatch): Promise<Conversation | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const set: Partial<ConversationEntity> = {};
      if (patch.status !== undefined) set.status = patch.status;
      // A deadline belongs to one snooze: any status set replaces it.
      if (patch.status !== undefined) set.snoozedUntil = patch.status === 'snoozed' ? (patch.snoozedUntil ?? null) : null;
      if (patch.assigneeId !== undefined) set.assigneeId = patch.assigneeId;
      if (patch.teamId !== undefined) set.teamId = patch.teamId;
      if (patch.priority !== undefined) set.priority = patch.priority;
      const attributes = patch.customAttributes;
      const query = tx
        .createQueryBuilder()
        .update(ConversationEntity)
        .set({
          ...set,
          ...(attributes ? { customAttributes: () => '(custom_attributes - :remove::text[]) || :attributes::jsonb' } : {}),
          updatedAt: () => 'now()',
        })
        .where('tenant_id = :tenantId and id = :id', { tenantId: tenant.tenantId, id });
      if (attributes) query.setParameters({ remove: attributes.remove, attributes: JSON.stringify(attributes.set) });
      const result = await query.execute();
      if (!result.affected) return null;
      const row = await tx.findOneOrFail(ConversationEntity, { where: { tenantId: tenant.tenantId, id } });
      return toConversation(row);
    });
  }

  findMessage(tenant: TenantRef, conversationId: string, messageId: string): Promise<Message | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const row = await tx.findOne(MessageEntity, { where: { tenantId: tenant.tenantId, conversationId, id: messageId } });
      return row ? toMessage(row) : null;
    });
  }

  listMessages(tenant: TenantRef, conversationId: string, page: PageRequest): Promise<Page<Message>> {
    return this.dbs.forTenant(tenant, (tx) => {
      const qb = tx
        .createQueryBuilder(MessageEntity, 'm')
        .where('m.tenant_id = :tenantId and m.conversation_id = :conversationId', { tenantId: tenant.tenantId, conversationId });
      return keysetPage(qb, { at: 'm.sent_at', id: 'm.id' }, page, toMessage, (m) => ({ at: m.sentAt, id: m.id }));
    });
  }

  addNote(tenant: TenantRef, conversationId: string, authorId: string, text: string): Promise<Note> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const [row] = await tx.query(`insert into notes (tenant_id, conversation_id, author_id, text) values ($1, $2, $3, $4) returning id`, [
        tenant.tenantId,
        conversationId,
        authorId,
        text,
      ]);
      return toNote(await tx.findOneOrFail(NoteEntity, { where: { tenantId: tenant.tenantId, id: row.id } }));
    });
  }

  listNotes(tenant: TenantRef, conversationId: string): Promise<Note[]> {
    return this.dbs.forTenant(tenant, async (tx) =>
      (await tx.find(NoteEntity, { where: { tenantId: tenant.tenantId, conversationId }, order: { createdAt: 'ASC', id: 'ASC' } })).map(toNote),
    );
  }
}
