import { MigrationInterface, QueryRunner } from 'typeorm';

/** Only the start of a long text (an e-mail) is indexed: a tsvector holds at most 1 MB. */
export const SEARCHABLE_CHARS = 32768;

/**
 * Full-text search over messages and notes, and ranked contact search.
 *
 * - The `russian` text search configuration stems Russian words with the Russian Snowball
 *   stemmer and Latin-script words with the English one (its `asciiword` mapping), so one
 *   generated column serves both languages. Generated columns follow every change of the text at
 *   once: an erased message (text null) no longer matches in the same transaction.
 * - PostgreSQL never uses an index for an operator that is not leakproof (`@@`, `%`, LIKE) before
 *   a row-level security policy has been checked, and the tenant policy matches all of a big
 *   tenant's rows: with RLS alone, a search reads the tenant's whole history. So each search runs
 *   in a SECURITY DEFINER function of the migrations' role that applies the same rule as the
 *   policy itself (`tenant_id = app_current_tenant()`, the transaction's tenant) and can use the
 *   GIN indexes. When that role is itself bound by the policies (not a superuser), the policy
 *   applies too and searches are merely slower. The functions answer ids and ranks only; the rows
 *   are then read under RLS as usual.
 * - A common word matches much of a history: the newest 200 matches are ranked (read newest
 *   first through messages_recent_idx), so the cost is bounded whatever the query.
 */
export class Search1765810000000 implements MigrationInterface {
  name = 'Search1765810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages add column search_vector tsvector
      generated always as (to_tsvector('russian', left(coalesce(text, ''), ${SEARCHABLE_CHARS}))) stored`);
    await q.query(`create index messages_search_idx on messages using gin (search_vector)`);
    await q.query(`create index messages_recent_idx on messages (tenant_id, sent_at desc)`);
    await q.query(`alter table notes add column search_vector tsvector
      generated always as (to_tsvector('russian', left(text, ${SEARCHABLE_CHARS}))) stored`);
    await q.query(`create index notes_search_idx on notes using gin (search_vector)`);

    // EXECUTE ... USING: planned for the values at hand (how common the words are), every time.
    await q.query(`
      create function search_messages(query tsquery, candidates int) returns table (id uuid, rank real)
      language plpgsql stable security definer set search_path = pg_catalog, public as $$
      begin
        return query execute
          'select m.id, ts_rank_cd(m.search_vector, $1, 32) from (
             select id, search_vector from public.messages
             where tenant_id = public.app_current_tenant() and search_vector @@ $1
             order by sent_at desc limit $2) m'
          using query, candidates;
      end $$`);
    await q.query(`
      create function search_notes(query tsquery, candidates int) returns table (id uuid, rank real)
      language plpgsql stable security definer set search_path = pg_catalog, public as $$
      begin
        return query execute
          'select n.id, ts_rank_cd(n.search_vector, $1, 32) from (
             select id, search_vector from public.notes
             where tenant_id = public.app_current_tenant() and search_vector @@ $1
             order by created_at desc limit $2) n'
          using query, candidates;
      end $$`);
    // Names and e-mails by trigram word similarity (typos, partial words, any script) or
    // containing the text; phones by E.164 or their digits; identities by platform id exactly.
    await q.query(`
      create function search_contacts(needle text, pattern text, phone text, digits_pattern text, exact text[], candidates int) returns table (id uuid, rank real)
      language plpgsql stable security definer set search_path = pg_catalog, public as $$
      begin
        return query execute
          'select h.id, max(h.rank)::real from (
             select c.id, greatest(public.word_similarity($1, coalesce(c.display_name, '''')), public.word_similarity(lower($1), coalesce(lower(c.email), ''''))) as rank
             from public.contacts c
             where c.tenant_id = public.app_current_tenant()
               and ($1 operator(public.<%) c.display_name or c.display_name ilike $2
                    or lower($1) operator(public.<%) lower(c.email) or lower(c.email) like lower($2))
             union all
             select c.id, 1 from public.contacts c where $3 is not null and c.tenant_id = public.app_current_tenant() and c.phone = $3
             union all
             select c.id, 0.9 from public.contacts c where $4 is not null and c.tenant_id = public.app_current_tenant() and c.phone like $4
             union all
             select i.contact_id, 1 from public.contact_identities i where i.tenant_id = public.app_current_tenant() and i.external_id = any($5)
           ) h group by h.id order by 2 desc, 1 limit $6'
          using needle, pattern, phone, digits_pattern, exact, candidates;
      end $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function search_contacts(text, text, text, text, text[], int)`);
    await q.query(`drop function search_notes(tsquery, int)`);
    await q.query(`drop function search_messages(tsquery, int)`);
    await q.query(`drop index notes_search_idx`);
    await q.query(`alter table notes drop column search_vector`);
    await q.query(`drop index messages_recent_idx`);
    await q.query(`drop index messages_search_idx`);
    await q.query(`alter table messages drop column search_vector`);
  }
}
