import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports count response and resolution times in business hours too: business_seconds(t0, t1,
 * time zone, weekly, holidays) is how much of [t0, t1) falls within a schedule's open intervals
 * (the business_hours columns as stored), each local day read in the schedule's zone, so DST days
 * are as long as they are. Holidays count nothing.
 */
export class BusinessSeconds1767100000002 implements MigrationInterface {
  name = 'BusinessSeconds1767100000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function business_seconds(t0 timestamptz, t1 timestamptz, tz text, weekly jsonb, holidays jsonb) returns float8
      language sql stable parallel safe as $$
        select coalesce(sum(greatest(0, extract(epoch from
                 least(t1, (d + (i->>'close')::interval) at time zone tz) - greatest(t0, (d + (i->>'open')::interval) at time zone tz)))), 0)::float8
        from generate_series((t0 at time zone tz)::date::timestamp, (t1 at time zone tz)::date::timestamp, interval '1 day') d
        join jsonb_array_elements(weekly) i on i->>'day' = to_char(d, 'dy')
        where t1 > t0 and not coalesce(holidays, '[]') ? to_char(d, 'YYYY-MM-DD')
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function business_seconds(timestamptz, timestamptz, text, jsonb, jsonb)`);
  }
}
