import type { Contact, Conversation, Message, Note, QuotedMessage } from '../../libs/domain/src';

// Domain -> response: whitelists, so nothing internal (tenant ids, hashes) reaches a client.

export const conversationResponse = (c: Conversation) => ({
  id: c.id,
  contactId: c.contactId,
  channelId: c.channelId,
  status: c.status,
  assigneeId: c.assigneeId,
  lastMessageAt: c.lastMessageAt,
  lastInboundAt: c.lastInboundAt,
  customAttributes: c.customAttributes,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

/** `replyTo`: the quoted message, where the caller looked it up (the messages list, a sent reply). */
export const messageResponse = (m: Message & { replyTo?: QuotedMessage | null }) => ({
  id: m.id,
  conversationId: m.conversationId,
  direction: m.direction,
  text: m.text,
  attachments: m.attachments,
  context: m.context,
  status: m.status,
  error: m.errorCode || m.errorText ? { code: m.errorCode, text: m.errorText } : null,
  externalId: m.externalId,
  authorId: m.authorId,
  replyToExternalId: m.replyToExternalId,
  replyTo: m.replyTo ? { id: m.replyTo.id, preview: m.replyTo.preview } : null,
  reactions: m.reactions,
  deletedAt: m.deletedAt,
  editedAt: m.editedAt,
  edits: m.edits,
  subject: m.subject,
  autoReply: m.autoReply,
  sentAt: m.sentAt,
  createdAt: m.createdAt,
});

export const noteResponse = (n: Note) => ({ id: n.id, conversationId: n.conversationId, authorId: n.authorId, text: n.text, createdAt: n.createdAt });

export const contactResponse = (c: Contact) => ({
  id: c.id,
  displayName: c.displayName,
  phone: c.phone,
  email: c.email,
  origin: c.origin,
  identities: c.identities.map((i) => ({
    id: i.id,
    channelId: i.channelId,
    channelKind: i.channelKind,
    externalId: i.externalId,
    blockedAt: i.blockedAt,
    createdAt: i.createdAt,
  })),
  customAttributes: c.customAttributes,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});
