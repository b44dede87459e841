import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
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
    return this.dbs.statementForTenant<TextHit>(tenant, TEXTS_STATEMENT, textsValues(tenant.tenantId, query, limit, restrictedViewer(tenant)));
  }

  contacts(tenant: TenantRef, needle: ContactNeedle, limit: number): Promise<ContactHit[]> {
    return this.dbs.forTenant(tenant, (tx) => this.contactHits(tx, tenant.tenantId, needle, limit));
  }

  /** A conversation by its id; then the conversations of matching contacts and of matching messages. */
  conversations(
    tenant: TenantRef,
    input: { id: string | null; needle: ContactNeedle; query: string },
    limit: number,
  ): Promise<Array<ConversationHit & { rank: number; snippet: string | null }>> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const t = tenant.tenantId;
      const ranked = new Map<string, { rank: number; snippet: string | null }>();
      const add = (id: string, rank: number, snippet: string | null) => {
        const seen = ranked.get(id);
        if (!seen || seen.rank < rank) ranked.set(id, { rank, snippet: snippet ?? seen?.snippet ?? null });
      };
      if (input.id)
        for (const r of await rows<{ id: string }>(tx, `select id from conversations where tenant_id = $1 and id = $2`, [t, input.id])) add(r.id, 2, null);
      const contacts = await this.contactHits(tx, t, input.needle, limit);
      if (contacts.length) {
        const theirs = await rows<{ id: string; contact_id: string }>(
          tx,
          `select v.id, v.contact_id from unnest($2::uuid[]) as k(id)
           cross join lateral (select id, contact_id from conversations where tenant_id = $1 and contact_id = k.id order by last_message_at desc limit 5) v`,
          [t, contacts.map((c) => c.id)],
        );
        for (const r of theirs) add(r.id, contacts.find((c) => c.id === r.contact_id)!.rank, null);
      }
      const [parsed] = await rows<{ usable: boolean }>(tx, `select numnode(websearch_to_tsquery('russian', $1)) > 0 as usable`, [input.query]);
      if (parsed.usable) {
        const messages = await rows<{ conversation_id: string; rank: number; snippet: string }>(
          tx,
          `with q as (select websearch_to_tsquery('russian', $2) as q),
                hits as (select h.id, h.rank from q, search_messages(q.q, ${CANDIDATES}) h)
           select distinct on (m.conversation_id) m.conversation_id, h.rank,
                  ts_headline('russian', translate(left(m.text, ${SEARCHABLE_CHARS}), $3, ''), q.q, $4) as snippet
           from hits h cross join q join messages m on m.tenant_id = $1 and m.id = h.id
           order by m.conversation_id, h.rank desc`,
          [t, input.query, MARK_START + MARK_END, HEADLINE_OPTIONS],
        );
        for (const m of messages) add(m.conversation_id, m.rank, m.snippet);
      }
      const top = [...ranked.entries()].sort((a, b) => b[1].rank - a[1].rank).slice(0, limit);
      if (top.length === 0) return [];
      const found = await rows<ConversationHit>(
        tx,
        `select v.id, v.contact_id as "contactId", k.display_name as "contactName", v.channel_id as "channelId", v.status, v.last_message_at as "lastMessageAt"
         from conversations v join contacts k on k.tenant_id = v.tenant_id and k.id = v.contact_id
         where v.tenant_id = $1 and v.id = any($2::uuid[]) and ${visibleSql('v', '$3')}`,
        [t, top.map(([id]) => id), restrictedViewer(tenant)],
      );
      return top
        .map(([id, r]) => ({ hit: found.find((f) => f.id === id), ...r }))
        .filter((x): x is { hit: ConversationHit; rank: number; snippet: string | null } => x.hit !== undefined)
        .sort((a, b) => b.rank - a.rank || b.hit.lastMessageAt.getTime() - a.hit.lastMessageAt.getTime())
        .map(({ hit, rank, snippet }) => ({ ...hit, rank, snippet }));
    });
  }

  private async contactHits(tx: EntityManager, tenantId: string, needle: ContactNeedle, limit: number): Promise<ContactHit[]> {
    return rows<ContactHit>(
      tx,
      `select k.id, k.display_name as "displayName", k.phone, k.email, h.rank
       from search_contacts($2, $3, $4, $5, $6::text[], $7) h join contacts k on k.tenant_id = $1 and k.id = h.id
       order by h.rank desc, k.created_at desc`,
      [tenantId, needle.text, needle.pattern, needle.phone, needle.digitsPattern, needle.exact, limit],
    );
  }
}
