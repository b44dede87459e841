import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';

export const GROUPINGS = ['day', 'channel', 'team', 'agent'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface ReportRow {
  /** The day (YYYY-MM-DD, in the report's time zone), or the channel, team or agent id; null: none (no team, unassigned). */
  key: string | null;
  opened: number;
  resolved: number;
  firstResponseP50: number | null;
  firstResponseP90: number | null;
  resolutionP50: number | null;
  resolutionP90: number | null;
  /** The same, counting only the open hours of the conversation's business hours (its channel's, else its team's; all hours where none). */
  firstResponseBusinessP50: number | null;
  firstResponseBusinessP90: number | null;
  resolutionBusinessP50: number | null;
  resolutionBusinessP90: number | null;
  messagesIn: number;
  messagesOut: number;
  /** Conversations not resolved now (not per day). */
  backlog: number | null;
  /** Satisfaction surveys asked in the range (per day: the day asked), how many got a rating, their average and count per rating 1-5. */
  csatAsked: number;
  csatAnswered: number;
  csatAverage: number | null;
  csatRatings: [number, number, number, number, number];
}

/**
 * Rows group on native values (a date, a uuid) and are labelled as text once grouped: grouping on
 * the text sorted every row by collation (the report's largest sorts at 1,000,000 messages).
 */
const grouped = (groupBy: Grouping, key: string) => `select ${groupBy === 'day' ? `to_char(${key}, 'YYYY-MM-DD')` : `${key}::text`} as key`;
/** The local day of `at` in the report's time zone ($4). */
const dayOf = (at: string) => `(${at} at time zone $4)::date`;

/** A survey (alias s) is grouped by the day it was asked and the channel, team and agent of the resolution it asks about. */
function surveyKeyOf(groupBy: Grouping): string {
  switch (groupBy) {
    case 'day':
      return dayOf('s.asked_at');
    case 'channel':
      return 's.channel_id';
    case 'team':
      return 's.team_id';
    case 'agent':
      return 's.agent_id';
  }
}

/** The value a conversation (alias c) is grouped by; `at` for days. */
function keyOf(groupBy: Grouping, at: string): string {
  switch (groupBy) {
    case 'day':
      return dayOf(at);
    case 'channel':
      return 'c.channel_id';
    case 'team':
      return 'c.team_id';
    case 'agent':
      return 'c.assignee_id';
  }
}

/** The author key of message_counts (migration 1768200000000) for the messages without a person as author: they count for the assignee. */
const NOBODY = `'00000000-0000-0000-0000-000000000000'::uuid`;

/** Whether the UTC hour starting at `h` spans a midnight of the report's time zone ($4): only a zone whose offset is not whole hours has such hours. */
const cutByMidnight = (h: string) => `(${h} at time zone $4)::date <> ((${h} + interval '1 hour' - interval '1 microsecond') at time zone $4)::date`;

/**
 * Messages in and out in [$2, $3) from their hourly counts (message_counts), so no message is
 * read: an hour wholly inside one local day counts whole, in that day. The hours a local midnight
 * cuts (in a zone whose offset is not whole hours, one a day, and those at the range's ends) are
 * counted from their messages, read by time on messages_recent_idx: exact in every zone.
 * Messages group by their conversation's channel, team and assignee as they are now, as
 * conversations do; an outbound message by its author.
 */
export function messagesSql(groupBy: Grouping): string {
  // An outbound message counts for its author; the rest for the conversation's assignee.
  const key = groupBy === 'agent' ? `coalesce(nullif(x.author_id, ${NOBODY}), c.assignee_id)` : keyOf(groupBy, 'x.at');
  const conversation = groupBy === 'day' ? '' : 'join conversations c on c.tenant_id = $1 and c.id = x.conversation_id';
  return `${grouped(groupBy, key)}, sum(x.inbound)::int as inbound, sum(x.outbound)::int as outbound
    from (
      select r.conversation_id, r.author_id, r.hour as at, r.inbound, r.outbound from message_counts r
      where r.tenant_id = $1 and r.hour >= $2 and r.hour < $3 and not ${cutByMidnight('r.hour')}
      union all
      select m.conversation_id, case when m.direction = 'outbound' and m.author_id is not null then m.author_id else ${NOBODY} end, m.sent_at,
             (m.direction = 'inbound')::int, (m.direction = 'outbound')::int
      from generate_series(date_bin('1 hour', $2::timestamptz, timestamptz '2000-01-01 00:00:00+00'), $3::timestamptz, interval '1 hour') h
      join messages m on m.tenant_id = $1 and m.sent_at >= greatest(h, $2) and m.sent_at < least(h + interval '1 hour', $3)
      where ${cutByMidnight('h')}
    ) x ${conversation}
    group by ${key}`;
}

/**
 * p50 and p90 of the seconds from start to `end`, wall-clock (wall) and in business hours
 * (business, kept on the conversation when `end` happened; null there: no schedule, every hour
 * counts); one sort each.
 */
const timings = (end: string, business: string) =>
  `percentile_cont(array[0.5, 0.9]) within group (order by extract(epoch from ${end} - c.created_at)::float8) as wall,
   percentile_cont(array[0.5, 0.9]) within group (order by coalesce(${business}, extract(epoch from ${end} - c.created_at)::float8)) as business`;

interface TimingRow {
  key: string | null;
  n: number;
  /** [p50, p90], null where nothing had the time yet. */
  wall: Array<number | null> | null;
  business: Array<number | null> | null;
}
const p = (v: Array<number | null> | null, i: 0 | 1) => v?.[i] ?? null;

/**
 * The report's statements ($1 tenant, $2 from, $3 to, $4 time zone; backlog: $1 only, none by
 * day); exported for the bench's EXPLAIN.
 */
export function reportSql(groupBy: Grouping) {
  return {
    opened: `${grouped(groupBy, keyOf(groupBy, 'c.created_at'))}, count(*)::int as n, ${timings('c.first_response_at', 'c.first_response_business_s')}
         from conversations c
         where c.tenant_id = $1 and c.created_at >= $2 and c.created_at < $3 and $4::text is not null
         group by ${keyOf(groupBy, 'c.created_at')}`,
    resolved: `${grouped(groupBy, keyOf(groupBy, 'c.resolved_at'))}, count(*)::int as n, ${timings('c.resolved_at', 'c.resolution_business_s')}
         from conversations c
         where c.tenant_id = $1 and c.resolved_at >= $2 and c.resolved_at < $3 and $4::text is not null
         group by ${keyOf(groupBy, 'c.resolved_at')}`,
    messages: messagesSql(groupBy),
    csat: `${grouped(groupBy, surveyKeyOf(groupBy))}, count(*)::int as asked, count(s.rating)::int as answered, avg(s.rating)::float8 as average,
                array[count(*) filter (where s.rating = 1), count(*) filter (where s.rating = 2), count(*) filter (where s.rating = 3),
                      count(*) filter (where s.rating = 4), count(*) filter (where s.rating = 5)]::int[] as ratings
         from csat_surveys s where s.tenant_id = $1 and s.asked_at >= $2 and s.asked_at < $3 and $4::text is not null
         group by ${surveyKeyOf(groupBy)}`,
    backlog:
      groupBy === 'day'
        ? null
        : `${grouped(groupBy, keyOf(groupBy, 'c.created_at'))}, count(*)::int as n from conversations c
               where c.tenant_id = $1 and c.status <> 'resolved' group by ${keyOf(groupBy, 'c.created_at')}`,
  };
}

/**
 * The numbers behind reports, computed from stored timestamps: conversations opened (created) and
 * resolved in the range with their first response and resolution times (p50, p90, seconds; also
 * counted in business hours only), messages in and out, the backlog, and the satisfaction surveys
 * asked and answered. Days are cut in the report's time zone.
 */
@Injectable()
export class ReportsStore {
  constructor(private readonly dbs: RegionDatabases) {}

  conversations(tenant: TenantRef, range: { from: Date; to: Date; timeZone: string }, groupBy: Grouping): Promise<ReportRow[]> {
    const params = [tenant.tenantId, range.from, range.to, range.timeZone];
    return this.dbs.forTenant(tenant, async (tx) => {
      // No JIT: the hours a local midnight cuts are unknown to the planner, which costs the messages
      // statement at millions of rows and spent 2.5 s compiling for a 30 ms run (EXPLAIN at 1,000,000 messages).
      await tx.query('set local jit = off');
      // Nor parallel workers, for the same misestimate: starting them cost 150 ms of a 15 ms statement.
      await tx.query('set local max_parallel_workers_per_gather = 0');
      const sql = reportSql(groupBy);
      const opened = await rows<TimingRow>(tx, sql.opened, params);
      const resolved = await rows<TimingRow>(tx, sql.resolved, params);
      const messages = await rows<{ key: string | null; inbound: number; outbound: number }>(tx, sql.messages, params);
      const csat = await rows<{ key: string | null; asked: number; answered: number; average: number | null; ratings: number[] }>(tx, sql.csat, params);
      const backlog = sql.backlog ? await rows<{ key: string | null; n: number }>(tx, sql.backlog, [tenant.tenantId]) : [];

      const byKey = new Map<string | null, ReportRow>();
      const row = (key: string | null) => {
        let r = byKey.get(key);
        if (!r) {
          r = {
            key,
            opened: 0,
            resolved: 0,
            firstResponseP50: null,
            firstResponseP90: null,
            resolutionP50: null,
            resolutionP90: null,
            firstResponseBusinessP50: null,
            firstResponseBusinessP90: null,
            resolutionBusinessP50: null,
            resolutionBusinessP90: null,
            messagesIn: 0,
            messagesOut: 0,
            backlog: groupBy === 'day' ? null : 0,
            csatAsked: 0,
            csatAnswered: 0,
            csatAverage: null,
            csatRatings: [0, 0, 0, 0, 0],
          };
          byKey.set(key, r);
        }
        return r;
      };
      for (const o of opened)
        Object.assign(row(o.key), {
          opened: o.n,
          firstResponseP50: p(o.wall, 0),
          firstResponseP90: p(o.wall, 1),
          firstResponseBusinessP50: p(o.business, 0),
          firstResponseBusinessP90: p(o.business, 1),
        });
      for (const o of resolved)
        Object.assign(row(o.key), {
          resolved: o.n,
          resolutionP50: p(o.wall, 0),
          resolutionP90: p(o.wall, 1),
          resolutionBusinessP50: p(o.business, 0),
          resolutionBusinessP90: p(o.business, 1),
        });
      for (const m of messages) Object.assign(row(m.key), { messagesIn: m.inbound, messagesOut: m.outbound });
      for (const b of backlog) row(b.key).backlog = b.n;
      for (const c of csat)
        Object.assign(row(c.key), {
          csatAsked: c.asked,
          csatAnswered: c.answered,
          csatAverage: c.average,
          csatRatings: c.ratings as ReportRow['csatRatings'],
        });
      return [...byKey.values()].sort((a, b) => (a.key ?? '\uffff').localeCompare(b.key ?? '\uffff'));
    });
  }
}
