import type { Attachment, MessageContext } from './message-content';

export type { Attachment } from './message-content';

/**
 * A channel kind's name (`messenger`, `sms`…). The kinds on offer are the adapters registered in
 * the app (src/channels), not a list here: adding a kind edits nothing in libs/.
 */
export type ChannelKind = string;

/** What a kind's name looks like (the kind is also a path segment and a column value). */
export const CHANNEL_KIND_PATTERN = /^[a-z][a-z0-9_]{1,31}$/;

export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export type MessageDirection = 'inbound' | 'outbound';

/** Outbound delivery progress; receipts may only move a message forward along this order. */
export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface ContactIdentity {
  id: string;
  contactId: string;
  channelId: string;
  channelKind: ChannelKind;
  externalId: string;
  /** Since when the End User has blocked the business's account on the platform (Telegram); null if not. */
  blockedAt: Date | null;
  createdAt: Date;
}

export interface Contact {
  id: string;
  displayName: string | null;
  /** E.164. */
  phone: string | null;
  email: string | null;
  /** Made by an inbound message, or by an agent. */
  origin: 'channel' | 'agent';
  identities: ContactIdentity[];
  /** Values of the organization's custom attributes for contacts, by key. */
  customAttributes: Record<string, string | number>;
  createdAt: Date;
  updatedAt: Date;
}

export interface Conversation {
  id: string;
  contactId: string;
  channelId: string;
  status: ConversationStatus;
  assigneeId: string | null;
  /** The team whose queue it is in (its channel's team when it started), if any. */
  teamId: string | null;
  lastMessageAt: Date;
  lastInboundAt: Date | null;
  /** Values of the organization's custom attributes for conversations, by key. */
  customAttributes: Record<string, string | number>;
  createdAt: Date;
  updatedAt: Date;
}

export interface Message {
  id: string;
  conversationId: string;
  direction: MessageDirection;
  text: string | null;
  attachments: Attachment[];
  /** Forwarded, the button chosen...: what the platform said about the message as a whole; null when nothing. */
  context: MessageContext | null;
  /** Null for inbound messages: delivery status only describes what we send. */
  status: MessageStatus | null;
  errorCode: string | null;
  errorText: string | null;
  externalId: string | null;
  authorId: string | null;
  replyToExternalId: string | null;
  /** The message of the conversation this one quotes, by our id (an agent's quoted reply); inbound ones name theirs by platform id. */
  replyToId: string | null;
  reactions: Reaction[];
  deletedAt: Date | null;
  /** When the End User last edited it (null: never); `edits` holds the earlier versions, oldest first. */
  editedAt: Date | null;
  edits: MessageVersion[];
  /** The subject it came with (e-mail); null elsewhere. */
  subject: string | null;
  /** An automatic reply (a vacation responder, `Auto-Submitted`): it did not reopen its conversation and is not answered. */
  autoReply: boolean;
  sentAt: Date;
  createdAt: Date;
}

/** What a change of a message's delivery status tells (its `message.status` event). */
export type MessageStatusChange = Pick<Message, 'id' | 'conversationId' | 'status' | 'errorCode' | 'errorText'>;

/** The message a reply quotes, as a reader sees it: which one, and the start of what it said. */
export interface QuotedMessage {
  id: string;
  /** Its text (at most 100 characters), else its first file's name or kind; empty when it was deleted. */
  preview: string;
}

/** An earlier version of an edited message, with the time it was written (sent, or edited into). */
export interface MessageVersion {
  text: string | null;
  attachments: Attachment[];
  at: Date;
}

export interface Note {
  id: string;
  conversationId: string;
  authorId: string;
  text: string;
  createdAt: Date;
}

/** A message from an End User, normalized by a channel mapper before it enters the inbox. */
export interface InboundMessage {
  channelId: string;
  channelKind: ChannelKind;
  /** The End User's id on the platform (PSID, IGSID, wa_id, Telegram user id, address...). */
  externalContactId: string;
  contactName?: string | null;
  /** Platform message id (mid, wamid...): the idempotency key within the channel. */
  externalMessageId: string;
  text?: string | null;
  attachments?: Attachment[];
  context?: MessageContext | null;
  sentAt: Date;
  /** The platform id of the message this one answers, when the End User replied to one. */
  replyToExternalId?: string | null;
  /** E-mail: the subject line. */
  subject?: string | null;
  /**
   * Sent by a machine on the End User's behalf (a vacation responder): stored and marked, but it
   * reopens nothing and does not count as the End User writing (no new conversation is opened
   * for it, the reply window and unread state do not move).
   */
  autoReply?: boolean;
  /**
   * A person's message that no automatic reply may answer (e-mail a list distributed, RFC 3834):
   * it counts as usual otherwise.
   */
  noAutoAnswer?: boolean;
  /**
   * Channels that thread (e-mail): the conversation this message continues, by our id for it
   * (a reply token) and/or the platform ids of the messages it answers, tried in that order.
   * Only a conversation of the same sender on the same channel is joined (a resolved one is
   * reopened); with no match the message starts a new conversation.
   */
  thread?: { conversationId?: string | null; externalIds?: readonly string[] };
  /**
   * A bare rating answering a satisfaction survey: it joins the surveyed conversation
   * (`thread.conversationId`) and leaves it resolved; it still counts as the End User writing.
   */
  answersSurvey?: boolean;
}

/** A message the business sent from the platform's own inbox: stored as outbound, once. */
export interface EchoMessage {
  channelId: string;
  channelKind: ChannelKind;
  externalContactId: string;
  externalMessageId: string;
  text: string | null;
  attachments: Attachment[];
  sentAt: Date;
}

export interface Reaction {
  by: 'contact';
  emoji: string | null;
}

export interface InboundResult {
  conversation: Conversation;
  message: Message;
  /** False when the platform delivered this message before: nothing was written. */
  created: boolean;
}

/** What a batch recorded for one of its inbound messages (see InboundRecorder.recordInboundBatch). */
export interface RecordedInbound {
  conversationId: string;
  conversationStatus: ConversationStatus;
  messageId: string;
  /** False when the platform delivered this message before (or it repeats in the batch): nothing was written. */
  created: boolean;
}
