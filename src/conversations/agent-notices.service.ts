import { Injectable } from '@nestjs/common';
import type { Note, TenantRef } from '../../libs/domain/src';
import { NotificationService } from '../notifications/notification.service';
import { UserStore } from '../tenancy/user.store';

/** At most this many colleagues are notified from one note. */
export const MAX_MENTIONS = 20;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * The colleagues a note mentions: `@` followed by a user's id or e-mail address
 * (`@4f1c…`, `@ann@shop.example`). Trailing punctuation is not part of an address.
 */
export function mentionsIn(text: string): { ids: string[]; emails: string[] } {
  const ids = new Set<string>();
  const emails = new Set<string>();
  for (const m of text.matchAll(/(^|[^\w@.])@([^\s@]+(?:@[^\s@]+)?)/g)) {
    const token = m[2].replace(/[.,;:!?)\]}>'"]+$/, '');
    if (UUID.test(token) && token.length === 36) ids.add(token.toLowerCase());
    else if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(token) && token.length <= 254) emails.add(token.toLowerCase());
    if (ids.size + emails.size >= MAX_MENTIONS) break;
  }
  return { ids: [...ids], emails: [...emails] };
}

/** Decides which agents hear of what happens in the inbox; NotificationService stores and streams it. */
@Injectable()
export class AgentNotices {
  constructor(
    private readonly notifications: NotificationService,
    private readonly users: UserStore,
  ) {}

  /** A conversation was assigned to `assigneeId` by `actorId`: they hear of it unless they did it themselves. */
  async assigned(tenant: TenantRef, conversationId: string, assigneeId: string, actorId: string): Promise<void> {
    if (assigneeId === actorId) return;
    await this.notifications.notifyUsers(tenant, [assigneeId], {
      kind: 'conversation.assigned',
      conversationId,
      actorId,
      message: 'A conversation was assigned to you',
    });
  }

  /** The colleagues a note mentions (by id or e-mail) hear of it; the author does not. */
  async noteAdded(tenant: TenantRef, note: Note): Promise<void> {
    const { ids, emails } = mentionsIn(note.text);
    if (ids.length === 0 && emails.length === 0) return;
    // An organization's people are few: read them all rather than query users by address.
    const mentioned = (await this.users.list(tenant))
      .filter((u) => u.active && u.id !== note.authorId && (ids.includes(u.id) || emails.includes(u.email.toLowerCase())))
      .map((u) => u.id);
    await this.notifications.notifyUsers(tenant, mentioned, {
      kind: 'note.mention',
      conversationId: note.conversationId,
      actorId: note.authorId,
      message: 'You were mentioned in a note',
    });
  }

  /** New inbound messages in these conversations: their assignees hear of it. */
  inbound(tenant: TenantRef, conversationIds: string[]): Promise<void> {
    return this.notifications.notifyAssigneesOfInbound(tenant, conversationIds);
  }
}
