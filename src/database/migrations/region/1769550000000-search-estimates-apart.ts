import { MigrationInterface, QueryRunner } from 'typeorm';
import { ONE_EXPLAIN, chooser } from './1769100000000-search-phrase-pairs';

/**
 * The chooser's three estimates as three plain EXPLAINs, the row count read from each one's first
 * line (its top node), where one EXPLAIN of three scalar subqueries gave them (SearchPhrasePairs).
 * The same numbers (checked for common, rare, phrase, two-word, Russian and unknown words on the
 * bench table), at a fraction of the cost: PostgreSQL planned the three subqueries together in
 * 0.8-1.1 ms and each alone in about 0.1 ms (statement round trips, 1,000,000 bench messages), and
 * JSON output was written and parsed again for each of the three numbers read.
 * Lab, 1,000,000 bench messages, backend CPU per search_messages call, five interleaved rounds of
 * 300 (order, tracking, заказы): median 2.93 -> 2.50 ms.
 */
const THREE_EXPLAINS = `
    declare
      top_line text;
    begin
      execute 'explain select 1 from public.messages where search_vector @@ $1' into top_line using query;
      matching := substring(top_line from ' rows=([0-9]+) ')::float8;
      -- The tenant as a literal, so its own statistics (not an average tenant's) size it.
      execute format('explain select 1 from public.messages where tenant_id = %L', public.app_current_tenant()) into top_line;
      tenant_rows := substring(top_line from ' rows=([0-9]+) ')::float8;
      execute 'explain select 1 from public.messages' into top_line;
      all_rows := greatest(substring(top_line from ' rows=([0-9]+) ')::float8, 1);
    end;`;

export class SearchEstimatesApart1769550000000 implements MigrationInterface {
  name = 'SearchEstimatesApart1769550000000';

  async up(q: QueryRunner): Promise<void> {
    await this.chooser(q, THREE_EXPLAINS);
  }

  async down(q: QueryRunner): Promise<void> {
    await this.chooser(q, ONE_EXPLAIN);
  }

  /** Replacing a function resets its SET clauses: JIT stays off as SearchWithoutJit left it. */
  private async chooser(q: QueryRunner, estimates: string): Promise<void> {
    await q.query(chooser(estimates, 'search_day_terms_pattern'));
    await q.query(`alter function search_messages(tsquery, int) set jit = off`);
  }
}
