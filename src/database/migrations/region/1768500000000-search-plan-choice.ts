import { MigrationInterface, QueryRunner } from 'typeorm';

/** One search over the tenant's messages, newest `candidates` matches; `{{PLAN}}` settings pick its path. */
const NEWEST_MATCHES = `
  begin
    return query execute
      'select m.id, ts_rank_cd(m.search_vector, $1, 32) from (
         select id, search_vector from public.messages
         where tenant_id = public.app_current_tenant() and search_vector @@ $1
         order by sent_at desc limit $2) m'
      using query, candidates;
  end`;

/**
 * A message search reads the tenant's newest matches one of two ways, and the planner alone
 * picked badly: for a word it has no statistics on (a rare word, a typo, an order number) it
 * assumes 0.5 % of messages match, so it walks messages_recent_idx newest first expecting 200
 * matches within 40,000 rows, and when only two match it reads the whole history (5 s at
 * 1,000,000 messages). Its cost model also prices the `@@` test of a walked row at almost
 * nothing, while it costs a heap fetch and a tsvector match.
 *
 * So search_messages now decides from the planner's own row estimates (EXPLAIN of the word test,
 * of the tenant test, of the table), with costs measured on this workload (microseconds, 1M
 * messages on a 2-core machine):
 * - GIN bitmap: ~0.25 per entry of the posting lists (all tenants' matches) plus ~5 per matching
 *   row of the tenant (heap fetch, then a sort of all of them);
 * - walk newest first: ~3.5 per row walked; with a share s of rows matching, the newest
 *   `candidates` are found after candidates / s rows (the whole tenant at most).
 * Measured at 1,000,000 messages (quiet machine): a rare token 3.5 s -> 2 ms, two mid-frequency
 * words 200 -> 19 ms (GIN); a common word and a phrase of common words keep the walk (ms and
 * ~75 ms: a phrase of two everywhere-words is the remaining slow case, GIN would read both
 * posting lists whole). Each path is its own function so its planner settings (function SET
 * clauses) end with it. EXPLAIN is not allowed in a stable function: the chooser is volatile.
 */
export class SearchPlanChoice1768500000000 implements MigrationInterface {
  name = 'SearchPlanChoice1768500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function search_messages_by_walk(query tsquery, candidates int) returns table (id uuid, rank real)
      language plpgsql stable security definer
      set search_path = pg_catalog, public set enable_bitmapscan = off set enable_seqscan = off as $$${NEWEST_MATCHES} $$`);
    await q.query(`
      create function search_messages_by_bitmap(query tsquery, candidates int) returns table (id uuid, rank real)
      language plpgsql stable security definer
      set search_path = pg_catalog, public set enable_indexscan = off set enable_seqscan = off as $$${NEWEST_MATCHES} $$`);
    await q.query(`revoke execute on function search_messages_by_walk(tsquery, int), search_messages_by_bitmap(tsquery, int) from public`);
    await q.query(`drop function search_messages(tsquery, int)`);
    await q.query(`
      create function search_messages(query tsquery, candidates int) returns table (id uuid, rank real)
      language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare
        plan json;
        all_rows float8;
        matching float8;
        tenant_rows float8;
        share float8;
      begin
        execute 'explain (format json) select 1 from public.messages' into plan;
        all_rows := greatest((plan->0->'Plan'->>'Plan Rows')::float8, 1);
        execute 'explain (format json) select 1 from public.messages where search_vector @@ $1' into plan using query;
        matching := (plan->0->'Plan'->>'Plan Rows')::float8;
        -- The tenant as a literal, so its own statistics (not an average tenant's) size it.
        execute format('explain (format json) select 1 from public.messages where tenant_id = %L', public.app_current_tenant()) into plan;
        tenant_rows := (plan->0->'Plan'->>'Plan Rows')::float8;
        share := least(matching / all_rows, 1);
        if 0.25 * matching + 5 * share * tenant_rows <= 3.5 * least(tenant_rows, candidates / greatest(share, 1e-9)) then
          return query select * from public.search_messages_by_bitmap(query, candidates);
        else
          return query select * from public.search_messages_by_walk(query, candidates);
        end if;
      end $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function search_messages(tsquery, int)`);
    await q.query(`
      create function search_messages(query tsquery, candidates int) returns table (id uuid, rank real)
      language plpgsql stable security definer set search_path = pg_catalog, public as $$${NEWEST_MATCHES} $$`);
    await q.query(`drop function search_messages_by_bitmap(tsquery, int)`);
    await q.query(`drop function search_messages_by_walk(tsquery, int)`);
  }
}
