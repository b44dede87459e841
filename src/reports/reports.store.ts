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

/** A survey (alias s) is grouped by the day it was asked and the channel, team and agent of the resolution it asks about. */
function surveyKeyOf(groupBy: Grouping): string {
  switch (groupBy) {
    case 'day':
      return `to_char(s.asked_at at time zone $4, 'YYYY-MM-DD')`;
    case 'channel':
      return 's.channel_id::text';
    case 'team':
      return 's.team_id::text';
    case 'agent':
      return 's.agent_id::text';
  }
}

/** The column a conversation (alias c) or a message (alias m, its conversation c) is grouped by; `at` for days. */
function keyOf(groupBy: Grouping, at: string, message = false): string {
  switch (groupBy) {
    case 'day':
      return `to_char(${at} at time zone $4, 'YYYY-MM-DD')`;
    case 'channel':
      return 'c.channel_id::text';
    case 'team':
      return 'c.team_id::text';
    case 'agent':
      // An outbound message counts for its author; the rest for the conversation's assignee.
      return message ? `coalesce(case when m.direction = 'outbound' then m.author_id end, c.assignee_id)::text` : 'c.assignee_id::text';
  }
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
      const opened = await rows<TimingRow>(
        tx,
        `select ${keyOf(groupBy, 'c.created_at')} as key, count(*)::int as n, ${timings('c.first_response_at', 'c.first_response_business_s')}
         from conversations c
         where c.tenant_id = $1 and c.created_at >= $2 and c.created_at < $3 and $4::text is not null
         group by 1`,
        params,
      );
      const resolved = await rows<TimingRow>(
        tx,
        `select ${keyOf(groupBy, 'c.resolved_at')} as key, count(*)::int as n, ${timings('c.resolved_at', 'c.resolution_business_s')}
         from conversations c
         where c.tenant_id = $1 and c.resolved_at >= $2 and c.resolved_at < $3 and $4::text is not null
         group by 1`,
        params,
      );
      const messages = await rows<{ key: string | null; inbound: number; outbound: number }>(
        tx,
        `select ${keyOf(groupBy, 'm.sent_at', true)} as key,
                count(*) filter (where m.direction = 'inbound')::int as inbound, count(*) filter (where m.direction = 'outbound')::int as outbound
         from messages m join conversations c on c.tenant_id = m.tenant_id and c.id = m.conversation_id
         where m.tenant_id = $1 and m.sent_at >= $2 and m.sent_at < $3 and $4::text is not null
         group by 1`,
        params,
      );
      const csat = await rows<{ key: string | null; asked: number; answered: number; average: number | null; ratings: number[] }>(
        tx,
        `select ${surveyKeyOf(groupBy)} as key, count(*)::int as asked, count(s.rating)::int as answered, avg(s.rating)::float8 as average,
                array[count(*) filter (where s.rating = 1), count(*) filter (where s.rating = 2), count(*) filter (where s.rating = 3),
                      count(*) filter (where s.rating = 4), count(*) filter (where s.rating = 5)]::int[] as ratings
         from csat_surveys s where s.tenant_id = $1 and s.asked_at >= $2 and s.asked_at < $3 and $4::text is not null
         group by 1`,
        params,
      );
      const backlog =
        groupBy === 'day'
          ? []
          : await rows<{ key: string | null; n: number }>(
              tx,
              `select ${keyOf(groupBy, 'c.created_at')} as key, count(*)::int as n from conversations c
               where c.tenant_id = $1 and c.status <> 'resolved' group by 1`,
              [tenant.tenantId],
            );

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
