import { MigrationInterface, QueryRunner } from 'typeorm';
import { PREPARED, byDays } from './1769100000001-search-days-static-windows';

const DOUBLING = 'span := span * 2;';

/**
 * The next window: as many days as the matches found so far per day say are still needed, a
 * quarter more, at most twice the last window (no match yet: twice, as before).
 */
const SIZED = `if found > 0 then
        span := least(span * 2, greatest(1, ceil((candidates - found) * 1.25 * (newest - hi) / found)::int));
      else
        span := span * 2;
      end if;`;

/**
 * search_messages_by_days sizes each next window of days by what the windows so far found, where
 * it doubled the window every time. A window's statement reads every match in it and keeps the
 * newest it still needs, so a doubled window read far more than it used: "tracking" found 181 of
 * its 200 in the newest day, then read the 545 matches of the next two days to keep 19. The
 * windows stay disjoint and newest first, so the answer is the same newest `candidates` matches
 * (checked against the doubling version on the bench table: the same rows and ranks for common,
 * tail, phrase, two-word, negated, prefix, Russian and rare queries).
 * Lab, 1,000,000 bench messages, backend CPU per search_messages call, five interleaved rounds of
 * 300: tracking 3.13 -> 2.27 ms, refund courier 4.40 -> 2.87 ms, "please help" 3.00 -> 2.17 ms.
 */
export class SearchDaysSizedWindows1769550000001 implements MigrationInterface {
  name = 'SearchDaysSizedWindows1769550000001';

  async up(q: QueryRunner): Promise<void> {
    const sized = byDays(PREPARED).replace(DOUBLING, SIZED);
    if (!sized.includes(SIZED)) throw new Error('search_messages_by_days: the doubling step was not found');
    await q.query(sized);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(byDays(PREPARED));
  }
}
