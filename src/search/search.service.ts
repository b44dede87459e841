import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { isUuid, normalizePhone, regionCountry } from '../../libs/domain/src';
import type { SearchType } from './search.dto';
import { ContactNeedle, MARK_END, MARK_START, SearchStore } from './search.store';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** HTML-escaped, with <mark> around what PostgreSQL marked. */
export const highlight = (marked: string) => escapeHtml(marked).replaceAll(MARK_START, '<mark>').replaceAll(MARK_END, '</mark>');
/** Marks where `needle` occurs in `text` (case-insensitive), HTML-escaped. */
function markContaining(text: string, needle: string): string {
  const at = text.toLowerCase().indexOf(needle.toLowerCase());
  if (at < 0 || needle.length === 0) return escapeHtml(text);
  return `${escapeHtml(text.slice(0, at))}<mark>${escapeHtml(text.slice(at, at + needle.length))}</mark>${escapeHtml(text.slice(at + needle.length))}`;
}
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/**
 * Search over messages and notes (PostgreSQL full-text search, English and Russian stemming),
 * contacts (trigram similarity on names and e-mails, phones by E.164, platform ids) and
 * conversations (by id, contact or text). Ranked, with highlighted snippets; tenant-scoped.
 */
@Injectable()
export class SearchService {
  constructor(private readonly store: SearchStore) {}

  async search(tenant: TenantRef, q: string, type: SearchType, limit: number) {
    const text = q.trim();
    switch (type) {
      case 'messages':
        return (await this.store.texts(tenant, text, limit)).map((h) => ({
          kind: h.kind,
          id: h.id,
          rank: h.rank,
          snippet: highlight(h.snippet),
          conversationId: h.conversationId,
          contact: { id: h.contactId, displayName: h.contactName },
          direction: h.direction,
          authorId: h.authorId,
          at: h.at,
        }));
      case 'contacts':
        return (await this.store.contacts(tenant, this.needle(tenant, text), limit)).map((c) => ({
          kind: 'contact',
          id: c.id,
          rank: c.rank,
          snippet: this.contactSnippet(c, text),
          displayName: c.displayName,
          phone: c.phone,
          email: c.email,
        }));
      case 'conversations': {
        const hits = await this.store.conversations(
          tenant,
          { id: isUuid(text) ? text.toLowerCase() : null, needle: this.needle(tenant, text), query: text },
          limit,
        );
        return hits.map((h) => ({
          kind: 'conversation',
          id: h.id,
          rank: h.rank,
          snippet: h.snippet === null ? null : highlight(h.snippet),
          conversationId: h.id,
          contact: { id: h.contactId, displayName: h.contactName },
          channelId: h.channelId,
          status: h.status,
          lastMessageAt: h.lastMessageAt,
        }));
      }
    }
  }

  private needle(tenant: TenantRef, text: string): ContactNeedle {
    const phone = /\d/.test(text) ? normalizePhone(text, regionCountry(tenant.region)) : null;
    const digits = text.replace(/\D/g, '');
    const phoneLike = digits.length >= 4 && /^[\d\s()+\-./]+$/.test(text);
    const exact = new Set([text, text.toLowerCase()]);
    if (phone) exact.add(phone).add(phone.slice(1));
    return { text, pattern: likePattern(text), phone, digitsPattern: phoneLike ? likePattern(digits) : null, exact: [...exact] };
  }

  private contactSnippet(c: { displayName: string | null; phone: string | null; email: string | null }, text: string): string | null {
    for (const field of [c.displayName, c.email]) if (field && field.toLowerCase().includes(text.toLowerCase())) return markContaining(field, text);
    const digits = text.replace(/\D/g, '');
    if (c.phone && digits.length >= 4 && c.phone.includes(digits)) return markContaining(c.phone, digits);
    return c.displayName === null ? null : escapeHtml(c.displayName);
  }
}
