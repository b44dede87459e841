import { MigrationInterface, QueryRunner } from 'typeorm';

/** The chooser of the SearchPlanChoice migration, before this one: restored by down(). */
const CHOOSER_BEFORE = `
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
    execute format('explain (format json) select 1 from public.messages where tenant_id = %L', public.app_current_tenant()) into plan;
    tenant_rows := (plan->0->'Plan'->>'Plan Rows')::float8;
    share := least(matching / all_rows, 1);
    if 0.25 * matching + 5 * share * tenant_rows <= 3.5 * least(tenant_rows, candidates / greatest(share, 1e-9)) then
      return query select * from public.search_messages_by_bitmap(query, candidates);
    else
      return query select * from public.search_messages_by_walk(query, candidates);
    end if;
  end`;

/**
 * A third way to read a tenant's newest matches, for queries whose words are each common but
 * rarely together (two common words, a phrase of common words, a tail word): day by day.
 *
 * The walk of the SearchPlanChoice migration fetches every newest message until 200 match: for
 * "please help" (a phrase of two words each in a third of the English messages, together in 0.65 %
 * of all messages) that is 30,000 heap rows at 1,000,000 messages. The GIN bitmap reads both words'
 * whole posting lists (160,000 entries each) and sorts every joint match. Neither index knows time.
 *
 * messages_day_words_idx indexes each message's words once more, each suffixed with its tenant and
 * day ('pleas@40a58416' || 20789: the first 8 hex digits of the tenant id, days since 1970, UTC):
 * a word's entry for one tenant's day is that day's posting list only. search_messages_by_days
 * rewrites the query's words the same way for the newest day, then the 2, 4, 8 ... days before it,
 * and reads each window through this index (phrases as plain AND: positions are checked on
 * search_vector afterwards), stopping once `candidates` matches are in hand: the windows are
 * disjoint and read newest first, so these are the newest matches, as the other paths answer.
 * The cost follows the window's matches, not the words' frequency in the whole history. A window
 * wider than 64 days is replaced by the bitmap over everything older (a query that turned out rare).
 *
 * Lexemes over 2,000 bytes are left out of this index (a tsvector lexeme holds at most 2,047): a
 * search text is at most 200 characters, so no query word is that long. The tenant prefix only
 * narrows the entries; the tenant rule is applied as in the other paths. An erased message's
 * search_vector empties in the same statement, and so does its entry here (an expression index).
 *
 * Price: one more GIN entry per word of each message (32 MB next to the 9 MB of
 * messages_search_idx at 1,000,000 bench messages; built in about a minute there).
 */
export class SearchByDay1768700000000 implements MigrationInterface {
  name = 'SearchByDay1768700000000';

  async up(q: QueryRunner): Promise<void> {
    // Days since 1970 (UTC): immutable, unlike date_trunc or extract(epoch) on a timestamptz.
    await q.query(`
      create function search_day(at timestamptz) returns int
      language sql immutable parallel safe as $$
        select extract(day from at - timestamptz '1970-01-01 00:00:00+00')::int $$`);
    await q.query(`
      create function search_day_suffix(tenant uuid, day int) returns text
      language sql immutable parallel safe as $$ select '@' || left(tenant::text, 8) || day $$`);
    await q.query(`
      create function search_day_words(tenant uuid, at timestamptz, words tsvector) returns tsvector
      language sql immutable parallel safe as $$
        select array_to_tsvector(array(
          select w || public.search_day_suffix(tenant, public.search_day(at)) from unnest(tsvector_to_array(words)) w where octet_length(w) <= 2000)) $$`);
    await q.query(`create index messages_day_words_idx on messages using gin (search_day_words(tenant_id, sent_at, search_vector))`);

    // The query's text with each word's closing quote marked by chr(1) and phrase operators made
    // AND; null when a word is negated or weighted (the index cannot serve those per day).
    await q.query(`
      create function search_day_pattern(query tsquery) returns text
      language sql immutable parallel safe as $$
        select case when bool_or(t[1] !~ '^''' and t[1] ~ '[!:]') then null
                    else string_agg(case when t[1] ~ '^''' then left(t[1], -1) || chr(1) || ''''
                                         when t[1] ~ '^<' then '&' else t[1] end, '' order by n) end
        from regexp_matches(query::text, '''(?:[^''\\\\]|''''|\\\\.)*''|<(?:-|[0-9]+)>|[^''<]+|<', 'g') with ordinality as m(t, n) $$`);
    await q.query(`
      create function search_messages_by_days(query tsquery, candidates int, newest int, oldest int) returns table (id uuid, rank real)
      language plpgsql stable security definer
      set search_path = pg_catalog, public set enable_indexscan = off set enable_seqscan = off as $$
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
          if span > 64 then
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
      end $$`);
    await q.query(`revoke execute on function search_messages_by_days(tsquery, int, int, int) from public`);

    // Costs in microseconds, measured as in SearchPlanChoice (1,000,000 messages, 2 cores); a day
    // window costs ~5 per row fetched, with about half a window of overshoot, and ~300 per window.
    await q.query(`
      create or replace function search_messages(query tsquery, candidates int) returns table (id uuid, rank real)
      language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare
        plan json;
        all_rows float8;
        matching float8;
        tenant_rows float8;
        share float8;
        newest int;
        oldest int;
        per_day float8;
        bitmap_cost float8;
        walk_cost float8;
        days_cost float8 := 'infinity';
      begin
        execute 'explain (format json) select 1 from public.messages' into plan;
        all_rows := greatest((plan->0->'Plan'->>'Plan Rows')::float8, 1);
        execute 'explain (format json) select 1 from public.messages where search_vector @@ $1' into plan using query;
        matching := (plan->0->'Plan'->>'Plan Rows')::float8;
        -- The tenant as a literal, so its own statistics (not an average tenant's) size it.
        execute format('explain (format json) select 1 from public.messages where tenant_id = %L', public.app_current_tenant()) into plan;
        tenant_rows := (plan->0->'Plan'->>'Plan Rows')::float8;
        share := greatest(least(matching / all_rows, 1), 1e-9);
        bitmap_cost := 0.25 * matching + 5 * share * tenant_rows;
        walk_cost := 3.5 * least(tenant_rows, candidates / share);
        if public.search_day_pattern(query) is not null and bitmap_cost > 2000 then
          select public.search_day(max(m.sent_at)), public.search_day(min(m.sent_at)) into newest, oldest
            from public.messages m where m.tenant_id = public.app_current_tenant();
          if newest is not null then
            per_day := greatest(share * tenant_rows / (newest - oldest + 1), 1e-9);
            days_cost := 7.5 * greatest(candidates, per_day) + 300 * (1 + ln(greatest(candidates / per_day, 1)) / ln(2));
          end if;
        end if;
        if days_cost < least(bitmap_cost, walk_cost) then
          return query select * from public.search_messages_by_days(query, candidates, newest, oldest);
        elsif bitmap_cost <= walk_cost then
          return query select * from public.search_messages_by_bitmap(query, candidates);
        else
          return query select * from public.search_messages_by_walk(query, candidates);
        end if;
      end $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      create or replace function search_messages(query tsquery, candidates int) returns table (id uuid, rank real)
      language plpgsql volatile security definer set search_path = pg_catalog, public as $$${CHOOSER_BEFORE} $$`);
    await q.query(`drop function search_messages_by_days(tsquery, int, int, int)`);
    await q.query(`drop function search_day_pattern(tsquery)`);
    await q.query(`drop index messages_day_words_idx`);
    await q.query(`drop function search_day_words(uuid, timestamptz, tsvector)`);
    await q.query(`drop function search_day_suffix(uuid, int)`);
    await q.query(`drop function search_day(timestamptz)`);
  }
}
