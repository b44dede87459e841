import { MigrationInterface, QueryRunner } from 'typeorm';

/** search_messages_by_days with the statement reading one window (`window` reads query, tenant, window_query and candidates - found). */
export const byDays = (window: string) => `
  create or replace function search_messages_by_days(query tsquery, candidates int, newest int, oldest int) returns table (id uuid, rank real)
  language plpgsql stable security definer
  set search_path = pg_catalog, public set enable_indexscan = off set enable_seqscan = off set max_parallel_workers_per_gather = 0 as $$
  declare
    tenant uuid := public.app_current_tenant();
    pattern text := public.search_day_terms_pattern(query);
    hi int := newest;
    span int := 1;
    lo int;
    window_query tsquery;
    found int := 0;
    n int;
  begin
    while found < candidates and hi >= oldest loop
      if span > 64 or (found = 0 and span > 2) then
        return query execute
          'select m.id, ts_rank_cd(m.search_vector, $1, 32) from (
             select id, search_vector from public.messages
             where tenant_id = $3 and search_vector @@ $1 and sent_at < timestamptz ''1970-01-01 00:00:00+00'' + make_interval(days => $4)
             order by sent_at desc limit $2) m'
          using query, candidates - found, tenant, hi + 1;
        return;
      end if;
      lo := greatest(hi - span + 1, oldest);
      select string_agg('(' || replace(pattern, chr(1), public.search_day_suffix(tenant, d)) || ')', ' | ')
        from generate_series(lo, hi) d into window_query;
      -- The words' test on search_vector is kept out of the scan (offset 0): as an index
      -- condition it would AND in messages_search_idx, reading the whole posting lists again.
      ${window}
      get diagnostics n = row_count;
      found := found + n;
      hi := lo - 1;
      span := span * 2;
    end loop;
  end $$`;

/** As SearchPhrasePairs left it: each window's statement planned anew (EXECUTE). */
const EXECUTED = `return query execute
        'select m.id, ts_rank_cd(m.search_vector, $1, 32) from (
           select id, sent_at, search_vector from public.messages
           where tenant_id = $3 and public.search_day_terms(tenant_id, sent_at, search_vector) @@ $4 offset 0) m
         where m.search_vector @@ $1
         order by m.sent_at desc limit $2'
        using query, candidates - found, tenant, window_query;`;

/** The same statement written in the function: prepared once per session, its plan kept. */
export const PREPARED = `return query
        select m.id, ts_rank_cd(m.search_vector, query, 32) from (
           select w.id, w.sent_at, w.search_vector from public.messages w
           where w.tenant_id = tenant and public.search_day_terms(w.tenant_id, w.sent_at, w.search_vector) @@ window_query offset 0) m
         where m.search_vector @@ query
         order by m.sent_at desc limit candidates - found;`;

/**
 * search_messages_by_days reads each window of days with a statement written in the function
 * instead of one it EXECUTEs: PL/pgSQL prepares it once per session and keeps its plan, where
 * EXECUTE parsed and planned it for every window (a phrase reads 3 windows, two words 4). Its plan
 * does not depend on the words (the day index is the only one it may use: index scans are off, and
 * the words' own test stays out of the scan), so a generic plan is the right one; the search
 * statements force it for their transaction anyway (see SearchStore). The fallback over the older
 * rest keeps EXECUTE: its plan does depend on how common the words are.
 * Lab, 1,000,000 bench messages, loaded 2-core machine (load 7), medians of 6 interleaved:
 * "please help" 3.7 -> 2.5 ms, refund courier 5.8 -> 4.2 ms.
 */
export class SearchDaysStaticWindows1769100000001 implements MigrationInterface {
  name = 'SearchDaysStaticWindows1769100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(byDays(PREPARED));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(byDays(EXECUTED));
  }
}
