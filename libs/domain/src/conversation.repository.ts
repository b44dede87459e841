import type {
  Contact,
  Conversation,
  ConversationStatus,
  InboundMessage,
  InboundResult,
  Message,
  Note,
} from './conversation';
import type { Page, PageRequest } from './pagination';
import type { TenantRef } from './tenant';

export interface ConversationFilter {
  status?: ConversationStatus;
  channelId?: string;
  assigneeId?: string;
}

export interface ConversationPatch {
  status?: ConversationStatus;
  assigneeId?: string | null;
}

export interface NewOutboundMessage {
  conversationId: string;
  authorId: string;
  text: string;
}

/**
 * Persistence port of the inbox. Every method takes the tenant explicitly (the first wall;
 * row-level security in the database is the second), and each call is one transaction.
 */
export abstract class ConversationRepository {
  abstract listConversations(tenant: TenantRef, filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>>;
  abstract findConversation(tenant: TenantRef, id: string): Promise<Conversation | null>;
  abstract updateConversation(tenant: TenantRef, id: string, patch: ConversationPatch): Promise<Conversation | null>;
  abstract listMessages(tenant: TenantRef, conversationId: string, page: PageRequest): Promise<Page<Message>>;
  abstract addOutboundMessage(tenant: TenantRef, message: NewOutboundMessage): Promise<Message>;
  abstract addNote(tenant: TenantRef, conversationId: string, authorId: string, text: string): Promise<Note>;
  abstract listNotes(tenant: TenantRef, conversationId: string): Promise<Note[]>;
  abstract findContact(tenant: TenantRef, id: string): Promise<Contact | null>;
  abstract userExists(tenant: TenantRef, userId: string): Promise<boolean>;
  abstract channelExists(tenant: TenantRef, channelId: string): Promise<boolean>;
  /** Idempotent on (channel, external message id): a redelivery returns the stored message. */
  abstract recordInbound(tenant: TenantRef, inbound: InboundMessage): Promise<InboundResult>;
}
