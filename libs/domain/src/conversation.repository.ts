import type {
  Attachment,
  Contact,
  EchoMessage,
  Conversation,
  ConversationStatus,
  InboundMessage,
  InboundResult,
  Message,
  RecordedInbound,
  MessageStatus,
  Note,
} from './conversation';
import type { ReceiptStatus } from './inbound-event';
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
  text: string | null;
  attachments?: Attachment[];
  template?: { name: string; language: string; parameters: string[] } | null;
}

/** What the sender needs to deliver one queued message. */
export interface DeliveryTask {
  message: Message;
  conversation: Conversation;
  channelId: string;
  recipientExternalId: string;
  template: { name: string; language: string; parameters: string[] } | null;
}

/** Order of delivery progress; `failed` only follows queued or sent. */
export const STATUS_RANK: Record<Exclude<MessageStatus, 'failed'>, number> = { queued: 0, sent: 1, delivered: 2, read: 3 };

/**
 * Persistence port of the inbox. Every method takes the tenant explicitly (the first wall;
 * row-level security in the database is the second), and each call is one transaction.
 */
export abstract class ConversationRepository {
  abstract listConversations(tenant: TenantRef, filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>>;
  abstract findConversation(tenant: TenantRef, id: string): Promise<Conversation | null>;
  abstract updateConversation(tenant: TenantRef, id: string, patch: ConversationPatch): Promise<Conversation | null>;
  abstract findMessage(tenant: TenantRef, conversationId: string, messageId: string): Promise<Message | null>;
  abstract listMessages(tenant: TenantRef, conversationId: string, page: PageRequest): Promise<Page<Message>>;
  abstract addOutboundMessage(tenant: TenantRef, message: NewOutboundMessage): Promise<Message>;
  abstract addNote(tenant: TenantRef, conversationId: string, authorId: string, text: string): Promise<Note>;
  abstract listNotes(tenant: TenantRef, conversationId: string): Promise<Note[]>;
  abstract findContact(tenant: TenantRef, id: string): Promise<Contact | null>;
  abstract userExists(tenant: TenantRef, userId: string): Promise<boolean>;
  abstract channelExists(tenant: TenantRef, channelId: string): Promise<boolean>;
  /** Idempotent on (channel, external message id): a redelivery returns the stored message. */
  abstract recordInbound(tenant: TenantRef, inbound: InboundMessage): Promise<InboundResult>;
  /**
   * Many unthreaded inbound messages in one transaction, with the same outcome as recording them
   * one by one in order with `recordInbound`; the answer is in input order.
   */
  abstract recordInboundBatch(tenant: TenantRef, inbounds: readonly InboundMessage[]): Promise<RecordedInbound[]>;
  /** Stores a message sent from the platform's own inbox, unless it is one we sent. */
  abstract recordEcho(tenant: TenantRef, echo: EchoMessage): Promise<{ message: Message; created: boolean } | null>;
  /** Moves an outbound message's status forward only; null when no message has that id (yet). */
  abstract applyReceipt(tenant: TenantRef, channelId: string, externalMessageId: string, status: ReceiptStatus, error?: { code: string; text: string }): Promise<Message | null>;
  /** Everything sent to the contact up to the watermark reached `status`. */
  abstract applyWatermark(tenant: TenantRef, channelId: string, externalContactId: string, status: 'delivered' | 'read', watermark: Date): Promise<Message[]>;
  abstract applyReaction(tenant: TenantRef, channelId: string, externalMessageId: string, emoji: string | null): Promise<Message | null>;
  /** The End User deleted the message on the platform: its content is erased, the row stays. */
  abstract eraseMessageContent(tenant: TenantRef, channelId: string, externalMessageId: string): Promise<Message | null>;
  /**
   * The End User edited an inbound message: the newest version (by edit time) is its content, the
   * others are kept in its history; idempotent. Null when no such message is stored (yet).
   */
  abstract applyEdit(tenant: TenantRef, channelId: string, externalMessageId: string, edit: { text: string | null; attachments: Attachment[]; editedAt: Date }): Promise<Message | null>;
  /** Records that the End User blocked (or unblocked) the business's account; the latest change by time wins. False when no such identity exists. */
  abstract setIdentityBlocked(tenant: TenantRef, channelId: string, externalContactId: string, blocked: boolean, at: Date): Promise<boolean>;
  abstract loadDelivery(tenant: TenantRef, messageId: string): Promise<DeliveryTask | null>;
  /** Records the platform's id; an echo of this message stored before is folded into it. */
  abstract markSent(tenant: TenantRef, messageId: string, externalId: string): Promise<Message>;
  abstract markFailed(tenant: TenantRef, messageId: string, code: string, text: string): Promise<Message>;
}
