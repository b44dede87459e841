import { Injectable } from '@nestjs/common';
import {
  Attachment,
  Conversation,
  ConversationFilter,
  ConversationPatch,
  InboxRepository,
  Message,
  Note,
  Page,
  PageRequest,
  QuotedMessage,
  TenantRef,
} from '../../../libs/domain/src';
import { rows } from '../../database/sql';
import { RegionDatabases } from '../../database/region-databases';
import { ConversationEntity, MessageEntity, NoteEntity } from './conversation.entities';
import { restrictedViewer, visibleSql } from '../visibility';
import { keysetPage, toConversation, toMessage, toNote } from './entity-mappers';

const VISIBLE = visibleSql('c', ':viewer');

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

  async quotedBy(tenant: TenantRef, conversationId: string, messages: readonly Message[]): Promise<Map<string, QuotedMessage>> {
    const byId = messages.filter((m) => m.replyToId);
    const byExternalId = messages.filter((m) => !m.replyToId && m.replyToExternalId);
    const out = new Map<string, QuotedMessage>();
    if (byId.length + byExternalId.length === 0) return out;
    type Row = { id: string; external_id: string | null; text: string | null; attachments: Attachment[]; deleted_at: Date | null };
    const found = await this.dbs.forTenant(tenant, (tx) =>
      rows<Row>(
        tx,
        `select id, coalesce(external_id, sent_external_id) as external_id, text, attachments, deleted_at from messages
         where tenant_id = $1 and conversation_id = $2 and (id = any($3::uuid[]) or external_id = any($4::text[]) or sent_external_id = any($4::text[]))`,
        [tenant.tenantId, conversationId, byId.map((m) => m.replyToId), byExternalId.map((m) => m.replyToExternalId)],
      ),
    );
    const ids = new Map(found.map((r) => [r.id, r]));
    const externalIds = new Map(found.filter((r) => r.external_id).map((r) => [r.external_id!, r]));
    for (const m of messages) {
      const q = m.replyToId ? ids.get(m.replyToId) : m.replyToExternalId ? externalIds.get(m.replyToExternalId) : undefined;
      if (q) out.set(m.id, { id: q.id, preview: previewOf(q) });
    }
    return out;
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

const PREVIEW_CHARS = 100;

/** What a quote shows of the message it quotes: the start of its text, else its first file's name or kind. */
function previewOf(m: { text: string | null; attachments: Attachment[]; deleted_at: Date | null }): string {
  if (m.deleted_at) return '';
  const text = m.text?.replace(/\s+/g, ' ').trim();
  if (text) return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
  const first = m.attachments?.[0];
  return first ? (first.name ?? first.type) : '';
}
