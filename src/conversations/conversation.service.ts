import { Injectable } from '@nestjs/common';
import {
  Contact,
  Conversation,
  ConversationFilter,
  ConversationPatch,
  ConversationRepository,
  InboundMessage,
  InboundResult,
  Message,
  Note,
  Page,
  PageRequest,
  TenantRef,
  invalid,
  notFound,
} from '../../libs/domain/src';

/**
 * The inbox's use cases. Another tenant's object is indistinguishable from a missing one:
 * every lookup is tenant-scoped and answers NOT_FOUND.
 */
@Injectable()
export class ConversationService {
  constructor(private readonly repo: ConversationRepository) {}

  /** Entry point for channel adapters: idempotent on the platform's message id. */
  receiveInbound(tenant: TenantRef, inbound: InboundMessage): Promise<InboundResult> {
    if (!inbound.text && !inbound.attachments?.length) throw invalid('EMPTY_MESSAGE', 'An inbound message needs text or attachments');
    return this.repo.recordInbound(tenant, inbound);
  }

  list(tenant: TenantRef, filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>> {
    return this.repo.listConversations(tenant, filter, page);
  }

  async get(tenant: TenantRef, id: string): Promise<Conversation> {
    const conversation = await this.repo.findConversation(tenant, id);
    if (!conversation) throw notFound('CONVERSATION_NOT_FOUND', 'Conversation not found');
    return conversation;
  }

  async update(tenant: TenantRef, id: string, patch: ConversationPatch): Promise<Conversation> {
    await this.get(tenant, id);
    if (patch.assigneeId && !(await this.repo.userExists(tenant, patch.assigneeId))) {
      throw invalid('ASSIGNEE_NOT_FOUND', 'assigneeId is not a user of this organization');
    }
    const updated = await this.repo.updateConversation(tenant, id, patch);
    if (!updated) throw notFound('CONVERSATION_NOT_FOUND', 'Conversation not found');
    return updated;
  }

  async listMessages(tenant: TenantRef, conversationId: string, page: PageRequest): Promise<Page<Message>> {
    await this.get(tenant, conversationId);
    return this.repo.listMessages(tenant, conversationId, page);
  }

  async sendText(tenant: TenantRef, conversationId: string, authorId: string, text: string): Promise<Message> {
    await this.get(tenant, conversationId);
    return this.repo.addOutboundMessage(tenant, { conversationId, authorId, text });
  }

  async addNote(tenant: TenantRef, conversationId: string, authorId: string, text: string): Promise<Note> {
    await this.get(tenant, conversationId);
    return this.repo.addNote(tenant, conversationId, authorId, text);
  }

  async listNotes(tenant: TenantRef, conversationId: string): Promise<Note[]> {
    await this.get(tenant, conversationId);
    return this.repo.listNotes(tenant, conversationId);
  }

  async getContact(tenant: TenantRef, id: string): Promise<Contact> {
    const contact = await this.repo.findContact(tenant, id);
    if (!contact) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');
    return contact;
  }
}
