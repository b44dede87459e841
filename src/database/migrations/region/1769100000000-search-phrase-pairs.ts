import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * search_messages_by_days reading `index` (an expression over tenant_id, sent_at, search_vector)
 * with the query's words rewritten by `pattern` (a function of the tsquery), as SearchByDayFallback
 * left it otherwise.
 */
const byDays = (index: string, pattern: string) => `
  create or replace function search_messages_by_days(query tsquery, candidates int, newest int, oldest int) returns table (id uuid, rank real)
  language plpgsql stable security definer
  set search_path = pg_catalog, public set enable_indexscan = off set enable_seqscan = off set max_parallel_workers_per_gather = 0 as $$
  declare
    tenant uuid := public.app_current_tenant();
    pattern text := public.${pattern}(query);
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
      return query execute
        'select m.id, ts_rank_cd(m.search_vector, $1, 32) from (
           select id, sent_at, search_vector from public.messages
           where tenant_id = $3 and public.${index} @@ $4 offset 0) m
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
 * search_messages (the chooser); `estimates` sets all_rows, matching and tenant_rows from the
 * planner, `pattern` is the day path's rewriting of the query (null: no day path).
 */
export const chooser = (estimates: string, pattern: string) => `
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
  begin${estimates}
    share := greatest(least(matching / all_rows, 1), 1e-9);
    bitmap_cost := 0.25 * matching + 5 * share * tenant_rows;
    walk_cost := 3.5 * least(tenant_rows, candidates / share);
    if public.${pattern}(query) is not null and bitmap_cost > 2000 then
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
  end $$`;

/** The SearchByDay chooser's three EXPLAINs: restored by down(). */
const THREE_EXPLAINS = `
    execute 'explain (format json) select 1 from public.messages' into plan;
    all_rows := greatest((plan->0->'Plan'->>'Plan Rows')::float8, 1);
    execute 'explain (format json) select 1 from public.messages where search_vector @@ $1' into plan using query;
    matching := (plan->0->'Plan'->>'Plan Rows')::float8;
    -- The tenant as a literal, so its own statistics (not an average tenant's) size it.
    execute format('explain (format json) select 1 from public.messages where tenant_id = %L', public.app_current_tenant()) into plan;
    tenant_rows := (plan->0->'Plan'->>'Plan Rows')::float8;`;

/**
 * The same three estimates from one EXPLAIN: each scalar subquery is planned as an InitPlan of its
 * own, listed in the order written. The tenant as a literal, so its own statistics (not an average
 * tenant's) size it.
 */
export const ONE_EXPLAIN = `
    execute format('explain (format json) select (select 1 from public.messages where search_vector @@ $1),
                      (select 1 from public.messages where tenant_id = %L), (select 1 from public.messages)', public.app_current_tenant())
      into plan using query;
    matching := (plan->0->'Plan'->'Plans'->0->>'Plan Rows')::float8;
    tenant_rows := (plan->0->'Plan'->'Plans'->1->>'Plan Rows')::float8;
    all_rows := greatest((plan->0->'Plan'->'Plans'->2->>'Plan Rows')::float8, 1);`;

/**
 * Phrases read only their own matches day by day: messages_day_words_idx (see SearchByDay) is
 * rebuilt over search_day_terms, per tenant and day each word as before and each pair of adjacent
 * words.
 *
 * A phrase was read as its words ANDed, then checked by position: "please help" (two words each in
 * a third of the English messages) read ~2,100 messages with both words to answer the newest 200
 * with them adjacent, at 1,000,000 messages. Now `'pleas' <-> 'help'` reads the day's entry
 * 'pleas help@<tenant><day>', so only messages where "help" follows "please"; phrases of more words
 * read each adjacent pair ('a b' & 'b c'). The position test on search_vector stays, so what is
 * found, its rank and its snippet are as before; the index only narrows what is read.
 *
 * The pairs come from search_vector's own positions (1 apart), so a message matching `'a' <-> 'b'`
 * always has the entry: stop words keep their positions (so "invoice for the parcel", which is
 * `'invoic' <3> 'parcel'`, has no pair and is read as before, words ANDed), and so do positions
 * beyond what a tsvector records (16,383; 256 per word), where phrase matching and this index
 * see the same positions. Where two lexemes share a position (dictionaries with variants), every
 * neighbouring pair is indexed. The query side pairs only `'a' <-> 'b'` written next to each other
 * (tsquery text prints a phrase's operands in parentheses unless they are single words or a chain
 * of phrases ending in that word, so the left word is the end of the left operand's match); any
 * other operator is AND as before, a negated or weighted query has no day path as before. A pair
 * over 2,000 bytes is in neither side (a search text is at most 200 characters).
 *
 * Erasure is unchanged: an erased message's search_vector empties in the same statement, and so do
 * its entries here (an expression index). The chooser's three EXPLAINs become one (the same estimates).
 *
 * Price, at 1,000,000 bench messages (2-core machine, load 3-5): the index 32 -> 65 MB, built in
 * 39 s (writes to messages wait meanwhile; reads do not); per message written, search_day_terms
 * ~12 us against ~3-4 us for search_day_words, and the index's upkeep with it 17-20 us against
 * 6-11 us (20,000 messages into a table with only this index: 338-398 ms against 113-214 ms,
 * 11-28 ms with no index).
 */
export class SearchPhrasePairs1769100000000 implements MigrationInterface {
  name = 'SearchPhrasePairs1769100000000';

  async up(q: QueryRunner): Promise<void> {
    // Each word as search_day_words writes it, then each pair of words at neighbouring positions.
    await q.query(`
      create function search_day_terms(tenant uuid, at timestamptz, words tsvector) returns tsvector
      language plpgsql immutable parallel safe as $$
      declare
        suffix text := public.search_day_suffix(tenant, public.search_day(at));
        terms text[] := '{}';
        word text;
        positions smallint[];
        p int;
        word_at text[] := '{}';
        shared boolean := false;
      begin
        for word, positions in select u.lexeme, u.positions from unnest(words) u loop
          if octet_length(word) <= 2000 then
            terms := terms || (word || suffix);
            foreach p in array coalesce(positions, '{}') loop
              shared := shared or word_at[p] is not null;
              word_at[p] := word;
            end loop;
          end if;
        end loop;
        if shared then
          return array_to_tsvector(terms || array(
            select a.lexeme || ' ' || b.lexeme || suffix
            from unnest(words) a, unnest(a.positions) pa, unnest(words) b, unnest(b.positions) pb
            where pb = pa + 1 and octet_length(a.lexeme) + octet_length(b.lexeme) < 2000));
        end if;
        for p in coalesce(array_lower(word_at, 1), 1) .. coalesce(array_upper(word_at, 1), 0) - 1 loop
          if word_at[p] is not null and word_at[p + 1] is not null and octet_length(word_at[p]) + octet_length(word_at[p + 1]) < 2000 then
            terms := terms || (word_at[p] || ' ' || word_at[p + 1] || suffix);
          end if;
        end loop;
        return array_to_tsvector(terms);
      end $$`);
    // Built beside the old index, which goes only then (dropping it locks out readers until commit),
    // and named as the old one was: messages_day_words_idx, the words of a day and now their pairs.
    await q.query(`create index messages_day_terms_idx on messages using gin (search_day_terms(tenant_id, sent_at, search_vector))`);
    await q.query(`drop index messages_day_words_idx`);
    await q.query(`alter index messages_day_terms_idx rename to messages_day_words_idx`);

    // search_day_pattern (see SearchByDay) with each `'a' <-> 'b'` as the pair 'a b': the query's
    // text with each term's closing quote marked by chr(1), other phrase operators made AND; null
    // when a word is negated or weighted. 'a' <-> 'b' <-> 'c' is 'a b' & 'b c'.
    await q.query(`
      create function search_day_terms_pattern(query tsquery) returns text
      language plpgsql immutable parallel safe as $$
      declare
        tokens text[];
        n int;
        i int;
        l int;
        r int;
        t text;
        pattern text := '';
        in_pair boolean[];
        ends_pair boolean[];
        pair_left int[];
        pair_right int[];
      begin
        select coalesce(array_agg(m[1] order by k), '{}') into tokens
          from regexp_matches(query::text, '''(?:[^''\\\\]|''''|\\\\.)*''|<(?:-|[0-9]+)>|[^''<]+|<', 'g') with ordinality as x(m, k);
        n := cardinality(tokens);
        in_pair := array_fill(false, array[n]);
        ends_pair := array_fill(false, array[n]);
        pair_left := array_fill(0, array[n]);
        pair_right := array_fill(0, array[n]);
        for i in 1 .. n loop
          t := tokens[i];
          if t !~ '^''' and t ~ '[!:]' then
            return null;
          end if;
          if t = '<->' then
            -- The words written next to the operator (tsquery text puts one space around it).
            l := case when tokens[i - 1] ~ '^''' then i - 1 when tokens[i - 1] ~ '^ *$' and tokens[i - 2] ~ '^''' then i - 2 else 0 end;
            r := case when tokens[i + 1] ~ '^''' then i + 1 when tokens[i + 1] ~ '^ *$' and tokens[i + 2] ~ '^''' then i + 2 else 0 end;
            if l > 0 and r > 0 and octet_length(tokens[l]) + octet_length(tokens[r]) < 2004 then
              pair_left[i] := l;
              pair_right[i] := r;
              in_pair[l] := true;
              in_pair[r] := true;
            end if;
          end if;
        end loop;
        for i in 1 .. n loop
          t := tokens[i];
          if pair_left[i] > 0 then
            if ends_pair[pair_left[i]] then
              pattern := pattern || '& ';
            end if;
            pattern := pattern || left(tokens[pair_left[i]], -1) || ' ' || substr(left(tokens[pair_right[i]], -1), 2) || chr(1) || '''';
            ends_pair[pair_right[i]] := true;
          elsif t ~ '^''' then
            if not in_pair[i] then
              pattern := pattern || left(t, -1) || chr(1) || '''';
            end if;
          elsif t ~ '^<' then
            pattern := pattern || '&';
          else
            pattern := pattern || t;
          end if;
        end loop;
        return pattern;
      end $$`);
    await q.query(byDays('search_day_terms(tenant_id, sent_at, search_vector)', 'search_day_terms_pattern'));
    await q.query(chooser(ONE_EXPLAIN, 'search_day_terms_pattern'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(chooser(THREE_EXPLAINS, 'search_day_pattern'));
    await q.query(byDays('search_day_words(tenant_id, sent_at, search_vector)', 'search_day_pattern'));
    await q.query(`drop function search_day_terms_pattern(tsquery)`);
    await q.query(`create index messages_day_single_words_idx on messages using gin (search_day_words(tenant_id, sent_at, search_vector))`);
    await q.query(`drop index messages_day_words_idx`);
    await q.query(`alter index messages_day_single_words_idx rename to messages_day_words_idx`);
    await q.query(`drop function search_day_terms(uuid, timestamptz, tsvector)`);
  }
}
