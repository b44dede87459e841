import type { Choices } from './channel-gateway';
import type { Attachment, Conversation, Message, MessageStatus, MessageStatusChange } from './conversation';
import type { TenantRef } from './tenant';

export interface NewOutboundMessage {
  conversationId: string;
  /** null: sent by the product itself (an automatic reply). */
  authorId: string | null;
  text: string | null;
  /** An automatic reply (out of office, greeting): marked as such. */
  autoReply?: boolean;
  attachments?: Attachment[];
  template?: { name: string; language: string; parameters: string[] } | null;
  /** A pick list to offer with the text, where the channel has them. */
  choices?: Choices | null;
  /** Uploaded files the message sends: they become the message's (and go with it) in its transaction. */
  uploadIds?: string[];
  /** The message of the conversation this reply quotes. */
  replyTo?: { id: string; externalId: string | null };
}

/** What the sender needs to deliver one queued message. */
export interface DeliveryTask {
  message: Message;
  conversation: Conversation;
  channelId: string;
  recipientExternalId: string;
  template: { name: string; language: string; parameters: string[] } | null;
  choices: Choices | null;
  /** The platform's id of the message this one quotes, once that message has one. */
  replyToExternalId: string | null;
}

/** Order of delivery progress; `failed` only follows queued or sent. */
export const STATUS_RANK: Record<Exclude<MessageStatus, 'failed'>, number> = { queued: 0, sent: 1, delivered: 2, read: 3 };

/**
 * Persistence port of what we send: an agent's reply is queued with its delivery job in one
 * transaction (the outbox), and the sender reads it and records how its delivery went.
 */
export abstract class MessageOutbox {
  /** The message, `queued`, and the job that will deliver it, committed together. */
  abstract addOutboundMessage(tenant: TenantRef, message: NewOutboundMessage): Promise<Message>;
  /**
   * What delivering each of these messages needs, read at once (a sender's whole batch): by
   * message id, null when there is nothing to deliver (the message is gone, or its contact has no
   * identity on the channel); an id left out could not be read (its conversation is missing).
   */
  abstract loadDeliveries(tenant: TenantRef, messageIds: readonly string[]): Promise<Map<string, DeliveryTask | null>>;
  /**
   * Records the platform's ids of messages sent, together (joins the unit of work in progress);
   * an echo of a message stored before is folded into it. Answers each message's status as recorded.
   */
  abstract markSentMany(tenant: TenantRef, sent: ReadonlyArray<{ messageId: string; externalId: string }>): Promise<MessageStatusChange[]>;
  abstract markFailed(tenant: TenantRef, messageId: string, code: string, text: string): Promise<Message>;
  /**
   * Fails every message of the channel still queued, with this code and text, and drops their
   * delivery jobs: the channel is gone, so nothing will deliver them. Joins the unit of work in
   * progress, so it commits with the channel's disconnection or not at all.
   */
  abstract failQueuedOfChannel(tenant: TenantRef, channelId: string, code: string, text: string): Promise<void>;
}
