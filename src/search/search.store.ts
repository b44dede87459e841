import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import type { TenantStatementOptions } from '../database/tenant-statement';
import { restrictedViewer, visibleSql } from '../conversations/visibility';

/** Start and end of a highlighted match in the snippets PostgreSQL writes (private-use characters, removed from the text first). */
export const MARK_START = '\ue000';
export const MARK_END = '\ue001';
const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, ShortWord=2`;
/** Matches ranked per search, newest first: bounds the work of a query whose words are everywhere. */
const CANDIDATES = 200;
const SEARCHABLE_CHARS = 32768;

export interface TextHit {
  kind: 'message' | 'note';
  id: string;
  conversationId: string;
  contactId: string;
  contactName: string | null;
  direction: 'inbound' | 'outbound' | null;
  authorId: string | null;
  at: Date;
  rank: number;
  /** With MARK_START / MARK_END around the matches. */
  snippet: string;
}

export interface ContactHit {
  id: string;
  displayName: string | null;
  phone: string | null;
  email: string | null;
  rank: number;
}

export interface ConversationHit {
  id: string;
  contactId: string;
  contactName: string | null;
  channelId: string;
  status: string;
  lastMessageAt: Date;
}

export interface ContactNeedle {
  text: string;
  /** LIKE pattern of the text, its wildcards escaped. */
  pattern: string;
  phone: string | null;
  digitsPattern: string | null;
  exact: string[];
}

/** The values of TEXTS_STATEMENT; `viewer` is the restricted agent, if any. */
export const textsValues = (tenantId: string, query: string, limit: number, viewer: string | null) => [
  tenantId,
  query,
  MARK_START + MARK_END,
  HEADLINE_OPTIONS,
  viewer,
  limit,
];

/** The statement of SearchStore.texts: one text whatever the limit, so one prepared statement (its plan does not depend on the limit). */
export const TEXTS_STATEMENT = `
  with q as (select websearch_to_tsquery('russian', $2) as q),
       usable as (select q.q from q where numnode(q.q) > 0),
       message_hits as (select h.id, h.rank from usable, search_messages(usable.q, ${CANDIDATES}) h order by h.rank desc limit $6),
       note_hits as (select h.id, h.rank from usable, search_notes(usable.q, ${CANDIDATES}) h order by h.rank desc limit $6),
       shown as (
         select 'message' as kind, m.id, m.conversation_id, c.contact_id, k.display_name, m.direction, m.author_id, m.sent_at as at, h.rank, m.text
         from message_hits h
         join messages m on m.tenant_id = $1 and m.id = h.id
         join conversations c on c.tenant_id = $1 and c.id = m.conversation_id
         join contacts k on k.tenant_id = $1 and k.id = c.contact_id
         where ${visibleSql('c', '$5')}
         union all
         select 'note', n.id, n.conversation_id, c.contact_id, k.display_name, null, n.author_id, n.created_at, h.rank, n.text
         from note_hits h
         join notes n on n.tenant_id = $1 and n.id = h.id
         join conversations c on c.tenant_id = $1 and c.id = n.conversation_id
         join contacts k on k.tenant_id = $1 and k.id = c.contact_id
         where ${visibleSql('c', '$5')}
         order by rank desc, at desc
         limit $6)
  select s.kind, s.id, s.conversation_id as "conversationId", s.contact_id as "contactId", s.display_name as "contactName",
         s.direction, s.author_id as "authorId", s.at, s.rank,
         ts_headline('russian', translate(left(s.text, ${SEARCHABLE_CHARS}), $3, ''), q.q, $4) as snippet
  from shown s cross join q
  order by s.rank desc, s.at desc`;

/**
 * The statement of SearchStore.conversations. Each conversation found is ranked by its best source:
 * its id ($2: 2, above any other rank), its contact's rank (the contact's newest 5 conversations) or
 * its best message's; the snippet is that message's when a message ranks it (a tie goes to the
 * contact, as before). Visibility applies before the `limit` best are taken, and snippets are made
 * for those only.
 */
export const CONVERSATIONS_STATEMENT = `
  with q as (select websearch_to_tsquery('russian', $8) as q),
       usable as (select q.q from q where numnode(q.q) > 0),
       found as (
         select v.id, 2::real as rank, null::uuid as message_id from conversations v where v.tenant_id = $1 and v.id = $2::uuid
         union all
         select v.id, h.rank, null from search_contacts($3, $4, $5, $6, $7::text[], $9) h
         cross join lateral (select id from conversations where tenant_id = $1 and contact_id = h.id order by last_message_at desc limit 5) v
         union all
         select m.conversation_id, h.rank, m.id from usable, search_messages(usable.q, ${CANDIDATES}) h join messages m on m.tenant_id = $1 and m.id = h.id),
       best as (select distinct on (f.id) f.id, f.rank, f.message_id from found f order by f.id, f.rank desc, f.message_id nulls first),
       shown as (
         select v.id, v.contact_id, k.display_name, v.channel_id, v.status, v.last_message_at, b.rank, b.message_id
         from best b
         join conversations v on v.tenant_id = $1 and v.id = b.id
         join contacts k on k.tenant_id = $1 and k.id = v.contact_id
         where ${visibleSql('v', '$10')}
         order by b.rank desc, v.last_message_at desc
         limit $9)
  select s.id, s.contact_id as "contactId", s.display_name as "contactName", s.channel_id as "channelId", s.status,
         s.last_message_at as "lastMessageAt", s.rank,
         (select ts_headline('russian', translate(left(m.text, ${SEARCHABLE_CHARS}), $11, ''), q.q, $12)
          from messages m cross join q where m.tenant_id = $1 and m.id = s.message_id) as snippet
  from shown s
  order by s.rank desc, s.last_message_at desc`;

/**
 * The search statements run their generic plan (see TenantStatementOptions): the matching is done
 * by the search_* functions, which plan their own statements for the words at hand, and what is
 * left (the ids found joined by primary key, the snippets) has one good plan whatever the values.
 * With custom plans PostgreSQL planned the text search's statement on every call (it never chose
 * the generic plan): at 1,000,000 messages that was most of a search's time (a phrase 13 -> 5 ms,
 * a common word 16 -> 6 ms, no match 5.3 -> 1.4 ms, lab medians on the loaded 2-core machine).
 */
const SEARCH_PLAN: TenantStatementOptions = { genericPlan: true };

/**
 * The search queries. Matching runs in the search_* functions (see the Search migration: they
 * apply the tenant rule themselves so the GIN indexes serve them); everything shown is then read
 * here under row-level security, joined by primary key.
 */
@Injectable()
export class SearchStore {
  constructor(private readonly dbs: RegionDatabases) {}

  /**
   * Messages and notes matching the query (websearch syntax: "quoted phrase", or, -not), best
   * first. One statement, in one round trip (statementForTenant): a query of stop words only
   * matches nothing and runs no search; snippets are made for the `limit` rows shown only.
   */
  texts(tenant: TenantRef, query: string, limit: number): Promise<TextHit[]> {
    return this.dbs.statementForTenant<TextHit>(tenant, TEXTS_STATEMENT, textsValues(tenant.tenantId, query, limit, restrictedViewer(tenant)), SEARCH_PLAN);
  }

  /** Contacts by name, e-mail, phone or platform id (search_contacts, see the Search migration). One statement, in one round trip. */
  contacts(tenant: TenantRef, needle: ContactNeedle, limit: number): Promise<ContactHit[]> {
    return this.dbs.statementForTenant<ContactHit>(
      tenant,
      `select k.id, k.display_name as "displayName", k.phone, k.email, h.rank
       from search_contacts($2, $3, $4, $5, $6::text[], $7) h join contacts k on k.tenant_id = $1 and k.id = h.id
       order by h.rank desc, k.created_at desc`,
      [tenant.tenantId, needle.text, needle.pattern, needle.phone, needle.digitsPattern, needle.exact, limit],
      SEARCH_PLAN,
    );
  }

  /**
   * Conversations: the one with the query as its id, the newest 5 of each matching contact and those
   * of the matching messages (see CONVERSATIONS_STATEMENT). One statement, in one round trip.
   */
  conversations(
    tenant: TenantRef,
    input: { id: string | null; needle: ContactNeedle; query: string },
    limit: number,
  ): Promise<Array<ConversationHit & { rank: number; snippet: string | null }>> {
    const { needle } = input;
    return this.dbs.statementForTenant(
      tenant,
      CONVERSATIONS_STATEMENT,
      [
        tenant.tenantId,
        input.id,
        needle.text,
        needle.pattern,
        needle.phone,
        needle.digitsPattern,
        needle.exact,
        input.query,
        limit,
        restrictedViewer(tenant),
        MARK_START + MARK_END,
        HEADLINE_OPTIONS,
      ],
      SEARCH_PLAN,
    );
  }
}
