import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Attachment, ChannelKind, Choices, MessageContext, ConversationStatus, MessageDirection, MessageStatus, Reaction } from '../../../libs/domain/src';

// Mappings of the tables the migrations create; the schema itself lives only in migrations.

@Entity('contacts')
export class ContactEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('text', { name: 'display_name', nullable: true }) displayName: string | null;
  @Column('text', { nullable: true }) phone: string | null;
  @Column('text', { nullable: true }) email: string | null;
  @Column('text') origin: 'channel' | 'agent';
  @Column('jsonb', { name: 'custom_attributes' }) customAttributes: Record<string, string | number>;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}

@Entity('contact_identities')
export class ContactIdentityEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'contact_id' }) contactId: string;
  @Column('uuid', { name: 'channel_id' }) channelId: string;
  @Column('text', { name: 'channel_kind' }) channelKind: ChannelKind;
  @Column('text', { name: 'external_id' }) externalId: string;
  @Column('timestamptz', { name: 'blocked_at', nullable: true }) blockedAt: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}

@Entity('conversations')
export class ConversationEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'contact_id' }) contactId: string;
  @Column('uuid', { name: 'channel_id' }) channelId: string;
  @Column('text') status: ConversationStatus;
  @Column('uuid', { name: 'assignee_id', nullable: true }) assigneeId: string | null;
  @Column('uuid', { name: 'team_id', nullable: true }) teamId: string | null;
  @Column('timestamptz', { name: 'last_message_at' }) lastMessageAt: Date;
  @Column('timestamptz', { name: 'last_inbound_at', nullable: true }) lastInboundAt: Date | null;
  @Column('jsonb', { name: 'custom_attributes' }) customAttributes: Record<string, string | number>;
  @Column('text', { nullable: true }) priority: string | null;
  @Column('timestamptz', { name: 'snoozed_until', nullable: true }) snoozedUntil: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}

@Entity('messages')
export class MessageEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'conversation_id' }) conversationId: string;
  @Column('uuid', { name: 'channel_id' }) channelId: string;
  @Column('text') direction: MessageDirection;
  @Column('text', { nullable: true }) text: string | null;
  @Column('jsonb') attachments: Attachment[];
  @Column('jsonb', { nullable: true }) context: MessageContext | null;
  @Column('text', { nullable: true }) status: MessageStatus | null;
  @Column('text', { name: 'error_code', nullable: true }) errorCode: string | null;
  @Column('text', { name: 'error_text', nullable: true }) errorText: string | null;
  @Column('text', { name: 'external_id', nullable: true }) externalId: string | null;
  @Column('text', { name: 'sent_external_id', nullable: true }) sentExternalId: string | null;
  @Column('uuid', { name: 'author_id', nullable: true }) authorId: string | null;
  @Column('text', { name: 'reply_to_external_id', nullable: true }) replyToExternalId: string | null;
  @Column('uuid', { name: 'reply_to_id', nullable: true }) replyToId: string | null;
  @Column('jsonb') reactions: Reaction[];
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt: Date | null;
  @Column('timestamptz', { name: 'edited_at', nullable: true }) editedAt: Date | null;
  @Column('jsonb') edits: Array<{ text: string | null; attachments: Attachment[]; at: string }>;
  @Column('jsonb', { nullable: true }) template: { name: string; language: string; parameters: string[] } | null;
  @Column('jsonb', { nullable: true }) choices: Choices | null;
  @Column('text', { nullable: true }) subject: string | null;
  @Column('boolean', { name: 'auto_reply' }) autoReply: boolean;
  @Column('timestamptz', { name: 'sent_at' }) sentAt: Date;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}

@Entity('notes')
export class NoteEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'conversation_id' }) conversationId: string;
  @Column('uuid', { name: 'author_id' }) authorId: string;
  @Column('text') text: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}

export const CONVERSATION_ENTITIES = [ContactEntity, ContactIdentityEntity, ConversationEntity, MessageEntity, NoteEntity];
