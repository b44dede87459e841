import type { Conversation, ConversationStatus, Message, Note, QuotedMessage } from './conversation';
import type { Page, PageRequest } from './pagination';
import type { TenantRef } from './tenant';

export interface ConversationFilter {
  status?: ConversationStatus;
  channelId?: string;
  assigneeId?: string;
  contactId?: string;
}

export interface ConversationPatch {
  status?: ConversationStatus;
  assigneeId?: string | null;
  /** Moves it to another team's queue; null: no team. */
  teamId?: string | null;
  /** low, medium, high, urgent; null clears it. */
  priority?: string | null;
  /** With status snoozed: when it reopens by itself (null: when the contact writes). */
  snoozedUntil?: Date | null;
  /** Checked values to set and keys to remove (see attributeChanges). */
  customAttributes?: { set: Record<string, string | number>; remove: string[] };
}

/** Persistence port of the inbox as agents see it: conversations, their messages and notes. */
export abstract class InboxRepository {
  abstract listConversations(tenant: TenantRef, filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>>;
  abstract findConversation(tenant: TenantRef, id: string): Promise<Conversation | null>;
  abstract updateConversation(tenant: TenantRef, id: string, patch: ConversationPatch): Promise<Conversation | null>;
  abstract findMessage(tenant: TenantRef, conversationId: string, messageId: string): Promise<Message | null>;
  abstract listMessages(tenant: TenantRef, conversationId: string, page: PageRequest): Promise<Page<Message>>;
  /** The messages of the conversation these quote (by our id, else by platform id), keyed by the quoting message's id. */
  abstract quotedBy(tenant: TenantRef, conversationId: string, messages: readonly Message[]): Promise<Map<string, QuotedMessage>>;
  abstract addNote(tenant: TenantRef, conversationId: string, authorId: string, text: string): Promise<Note>;
  abstract listNotes(tenant: TenantRef, conversationId: string): Promise<Note[]>;
}
