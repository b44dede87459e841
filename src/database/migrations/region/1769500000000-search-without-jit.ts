import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * search_messages runs without JIT compilation (a function SET clause: its own statements and the
 * paths it calls, walk, bitmap and day windows).
 *
 * Its chooser EXPLAINs one statement to read the planner's row estimates (see SearchPlanChoice).
 * That statement's cost counts every message of the table (over 120,000 at 1,000,000 messages),
 * above jit_above_cost (100,000 by default), so PostgreSQL prepared JIT code for its expressions on
 * every search although an EXPLAIN never runs them: 0.97 against 0.09 ms a call, lab at 1,000,000
 * bench messages. The paths read at most `candidates` rows each, where compiling never pays either.
 * Lab (backend CPU per search statement, serial, as the app role, two rounds each): common word
 * 2.67-2.70 -> 1.43-1.73 ms, Russian word form 2.50-2.90 -> 1.60-1.77 ms.
 */
export class SearchWithoutJit1769500000000 implements MigrationInterface {
  name = 'SearchWithoutJit1769500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter function search_messages(tsquery, int) set jit = off`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter function search_messages(tsquery, int) reset jit`);
  }
}
