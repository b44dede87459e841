import { MigrationInterface, QueryRunner } from 'typeorm';

/** search_messages_by_days (see SearchByDay); `giveUp` is the condition, after a window, to read the older rest through the bitmap. */
const byDays = (settings: string, giveUp: string) => `
  create or replace function search_messages_by_days(query tsquery, candidates int, newest int, oldest int) returns table (id uuid, rank real)
  language plpgsql stable security definer
  set search_path = pg_catalog, public set enable_indexscan = off set enable_seqscan = off${settings} as $$
  declare
    tenant uuid := public.app_current_tenant();
    pattern text := public.search_day_pattern(query);
    hi int := newest;
    span int := 1;
    lo int;
    window_query tsquery;
    found int := 0;
    n int;
  begin
    while found < candidates and hi >= oldest loop
      if ${giveUp} then
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
      return query execute
        'select m.id, ts_rank_cd(m.search_vector, $1, 32) from (
           select id, sent_at, search_vector from public.messages
           where tenant_id = $3 and public.search_day_words(tenant_id, sent_at, search_vector) @@ $4 offset 0) m
         where m.search_vector @@ $1
         order by m.sent_at desc limit $2'
        using query, candidates - found, tenant, window_query;
      get diagnostics n = row_count;
      found := found + n;
      hi := lo - 1;
      span := span * 2;
    end loop;
  end $$`;

/**
 * Two faults of search_messages_by_days seen in bench:search at 1,000,000 messages, where a token
 * the planner has no statistics on (sku4242: 2 messages; it assumes 5,000) was sent day by day:
 * - a window estimated at thousands of rows ran as a parallel bitmap scan: starting the workers
 *   cost 140-390 ms a window on the loaded machine, for windows that found nothing. The windows
 *   read a few hundred rows at most: no parallel workers.
 * - it widened the window to 64 days before giving up: 7 windows. Now the newest 3 days (two
 *   windows) finding nothing is taken as a rare query, and the bitmap reads the older rest.
 * A rare token (2 messages) through search_messages on the 1,000,000-message lab table: 1,057 ms
 * -> 4.6-78 ms (warm, cold session), loaded 2-core machine.
 */
export class SearchByDayFallback1768700000003 implements MigrationInterface {
  name = 'SearchByDayFallback1768700000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(byDays(' set max_parallel_workers_per_gather = 0', 'span > 64 or (found = 0 and span > 2)'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(byDays('', 'span > 64'));
  }
}
