import type { SelectQueryBuilder } from 'typeorm';
import {
  type Conversation,
  type Message,
  type MessageStatus,
  type Note,
  type Page,
  type PageCursor,
  type PageRequest,
  type ReceiptStatus,
  STATUS_RANK,
} from '../../../libs/domain/src';
import type { ConversationEntity, MessageEntity, NoteEntity } from './conversation.entities';

/** Entity -> domain: an explicit whitelist, so a new column never leaks by accident. */
export const toConversation = (e: ConversationEntity): Conversation => ({
  id: e.id,
  contactId: e.contactId,
  channelId: e.channelId,
  status: e.status,
  assigneeId: e.assigneeId,
  teamId: e.teamId,
  lastMessageAt: e.lastMessageAt,
  lastInboundAt: e.lastInboundAt,
  customAttributes: e.customAttributes,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

export const toMessage = (e: MessageEntity): Message => ({
  id: e.id,
  conversationId: e.conversationId,
  direction: e.direction,
  text: e.text,
  attachments: e.attachments,
  context: e.context ?? null,
  status: e.status,
  errorCode: e.errorCode,
  errorText: e.errorText,
  externalId: e.externalId ?? e.sentExternalId,
  authorId: e.authorId,
  replyToExternalId: e.replyToExternalId,
  replyToId: e.replyToId ?? null,
  reactions: e.reactions,
  deletedAt: e.deletedAt,
  editedAt: e.editedAt,
  edits: (e.edits ?? []).map((v) => ({ text: v.text, attachments: v.attachments, at: new Date(v.at) })),
  subject: e.subject ?? null,
  autoReply: e.autoReply ?? false,
  sentAt: e.sentAt,
  createdAt: e.createdAt,
});

export const toNote = (e: NoteEntity): Note => ({ id: e.id, conversationId: e.conversationId, authorId: e.authorId, text: e.text, createdAt: e.createdAt });

/** Receipts arrive late, twice and out of order: a status only ever moves forward. */
export function movesForward(current: MessageStatus | null, next: ReceiptStatus): boolean {
  if (current === null || current === 'failed') return false;
  if (next === 'failed') return current === 'queued' || current === 'sent';
  return STATUS_RANK[current] < STATUS_RANK[next];
}

/** Fetches limit+1 rows in keyset order to learn whether another page follows. */
export async function keysetPage<E extends object, T>(
  qb: SelectQueryBuilder<E>,
  columns: { at: string; id: string },
  page: PageRequest,
  map: (e: E) => T,
  cursorOf: (e: E) => PageCursor,
): Promise<Page<T>> {
  if (page.after) qb.andWhere(`(${columns.at}, ${columns.id}) < (:afterAt, :afterId)`, { afterAt: page.after.at, afterId: page.after.id });
  const rows = await qb
    .orderBy(columns.at, 'DESC')
    .addOrderBy(columns.id, 'DESC')
    .take(page.limit + 1)
    .getMany();
  const items = rows.slice(0, page.limit);
  return { items: items.map(map), next: rows.length > page.limit ? cursorOf(items[items.length - 1]) : undefined };
}
