import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationStatus, Page, PageRequest, TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { CrmSummary, crmSummaryOf, crmSummarySql } from '../integrations/crm/core/crm-summary.sql';
import { LIST_ROW, type ListRow, isoInstant, listRowColumns, listRowJson } from './list-row-json';
import { restrictedViewer, visibleSql } from './visibility';

export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const SORTS = ['last_activity', 'waiting'] as const;
export type TriageSort = (typeof SORTS)[number];

/** The list's `labels` filter names at most this many. */
export const MAX_LABEL_FILTERS = 10;
/** Unread messages are counted up to this many: a badge needs no more, and the count stays cheap. */
export const UNREAD_COUNT_CAP = 100;

export interface LabelRef {
  id: string;
  name: string;
  colour: string;
}

/** A conversation as an agent's list shows it, from the point of view of `viewer`. */
export interface ConversationView {
  id: string;
  contactId: string;
  channelId: string;
  status: ConversationStatus;
  assigneeId: string | null;
  teamId: string | null;
  priority: Priority | null;
  snoozedUntil: Date | null;
  lastMessageAt: Date;
  lastInboundAt: Date | null;
  customAttributes: Record<string, string | number>;
  createdAt: Date;
  updatedAt: Date;
  contact: { id: string; displayName: string | null };
  lastMessage: { direction: 'inbound' | 'outbound'; text: string | null; at: Date } | null;
  /** The subject of the contact's latest message (e-mail); null where messages have none. */
  subject: string | null;
  unreadCount: number;
  labels: LabelRef[];
  /** The contact's linked CRM clients in short; null when it has none. */
  crm: CrmSummary | null;
}

export interface TriageFilter {
  status?: ConversationStatus;
  channelId?: string;
  /** A user's conversations, or (null) the unassigned ones. */
  assigneeId?: string | null;
  teamId?: string;
  /** A restricted agent: only what conversation_visible lets them see. */
  restrictedTo?: string | null;
  /** The conversation carries every one of these labels (by id or, case-insensitively, by name). */
  labels?: Array<{ id: string } | { name: string }>;
  unread?: boolean;
  /** null: conversations without a priority. */
  priorities?: Array<Priority | null>;
  q?: string;
  /** The conversation's custom attributes contain all of these values. */
  attributes?: Record<string, string | number>;
  sort: TriageSort;
}

export interface ConversationCounts {
  byStatus: Record<ConversationStatus, number>;
  /** Within the `status` asked for. */
  all: number;
  mine: number;
  mineUnread: number;
  unassigned: number;
}

interface ViewRow {
  id: string;
  contact_id: string;
  channel_id: string;
  status: ConversationStatus;
  assignee_id: string | null;
  team_id: string | null;
  priority: Priority | null;
  snoozed_until: Date | null;
  last_message_at: Date;
  last_inbound_at: Date | null;
  custom_attributes: Record<string, string | number>;
  created_at: Date;
  updated_at: Date;
  contact_name: string | null;
  last_direction: 'inbound' | 'outbound' | null;
  last_text: string | null;
  last_at: Date | null;
  subject: string | null;
  unread_count: number;
  labels: LabelRef[];
  crm_json: string | null;
}

const toView = (r: ViewRow): ConversationView => ({
  id: r.id,
  contactId: r.contact_id,
  channelId: r.channel_id,
  status: r.status,
  assigneeId: r.assignee_id,
  teamId: r.team_id,
  priority: r.priority,
  // A snoozed conversation woken by a message keeps its old deadline in the row: it no longer applies.
  snoozedUntil: r.status === 'snoozed' ? r.snoozed_until : null,
  lastMessageAt: r.last_message_at,
  lastInboundAt: r.last_inbound_at,
  customAttributes: r.custom_attributes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  contact: { id: r.contact_id, displayName: r.contact_name },
  lastMessage: r.last_direction && r.last_at ? { direction: r.last_direction, text: r.last_text, at: r.last_at } : null,
  subject: r.subject ?? null,
  unreadCount: r.unread_count,
  labels: r.labels.map((l) => ({ id: l.id, name: l.name, colour: l.colour })),
  crm: crmSummaryOf(r.crm_json),
});

/**
 * The page's conversations `c` with the viewer's ($2) read position `r`, joined once per row in
 * the page subquery: the unread filter and each row's unread count both read it, where they were
 * two probes per row.
 */
const WITH_READ_POSITION = `conversations c
  left join conversation_reads r on r.tenant_id = c.tenant_id and r.user_id = $2::uuid and r.conversation_id = c.id`;
const READ_COLUMNS = 'r.read_up_to as viewer_read_up_to, r.inbound_read as viewer_inbound_read';

/** Unread for the viewer: the contact wrote after what the viewer last read (`read_up_to`, the position). */
const unreadSql = (readUpTo: string) => `c.last_inbound_at > coalesce(${readUpTo}, '-infinity')`;
/** Unread for the viewer ($2), as a condition on a conversation `c` alone. */
const UNREAD = unreadSql(
  `(select r.read_up_to from conversation_reads r where r.tenant_id = c.tenant_id and r.user_id = $2::uuid and r.conversation_id = c.id)`,
);

/**
 * The viewer's unread inbound messages (read position in the page's columns): the conversation's
 * inbound counter less those sent at or before the position, capped.
 */
const UNREAD_COUNT = `case when ${unreadSql('c.viewer_read_up_to')}
    then least(${UNREAD_COUNT_CAP}, greatest(0, c.inbound_messages - coalesce(c.viewer_inbound_read, 0))) else 0 end`;

/**
 * A row's CRM summary (JSON text, or null), looked up only for a contact with a CRM link. The
 * contact's name and the labels are kept on the conversation row (migration
 * ConversationRowDisplay), the read position comes with the page (WITH_READ_POSITION).
 */
const CRM_JSON = crmSummarySql('c.tenant_id', 'c.contact_id', 'c.contact_crm_linked');

/**
 * Enriches the rows of `page` (a subquery over conversations with the viewer's read position,
 * already limited) with what a list row shows (GET /conversations/:id). The last message, the contact's last
 * subject and the inbound counter are kept on the conversation row on write (migration
 * ConversationSummary), so the cost follows the page size, not the conversations' history.
 */
const enriched = (page: string, order: string) => `
  select c.id, c.contact_id, c.channel_id, c.status, c.assignee_id, c.team_id, c.priority, c.snoozed_until,
         c.last_message_at, c.last_inbound_at, c.custom_attributes, c.created_at, c.updated_at,
         c.contact_name,
         c.last_message_direction as last_direction, c.last_message_text as last_text, c.last_message_sent_at as last_at,
         c.last_subject as subject,
         ${UNREAD_COUNT} as unread_count,
         c.labels,
         ${CRM_JSON} as crm_json
  from (${page}) c
  order by ${order}`;

/** What the list's page subquery carries out of a conversation: what its rows show (not c.*: a third fewer columns to pass on). */
const PAGE_COLUMNS = `c.tenant_id, c.id, c.contact_id, c.channel_id, c.status, c.assignee_id, c.team_id, c.priority, c.snoozed_until,
  c.last_message_at, c.last_inbound_at, c.custom_attributes, c.created_at, c.updated_at, c.contact_name, c.last_message_direction,
  c.last_message_text, c.last_message_sent_at, c.last_subject, c.inbound_messages, c.labels, c.contact_crm_linked`;

/**
 * The rows of `page` (a subquery over conversations with the viewer's read position, already
 * limited) as ListRow columns, sent unparsed and written out as JSON by the app (list-row-json.ts);
 * the CRM summary is looked up only for a contact with a CRM link.
 */
const asListRows = (page: string, order: string) => `
  select ${listRowColumns(UNREAD_COUNT, CRM_JSON)}
  from (${page}) c
  order by ${order}`;

/**
 * The list's one statement: the page of conversations (limit+1 rows in keyset order) the filter
 * selects, each as the columns of what its row shows (ListRow). Exported for the benchmark, which runs it as is.
 */
export function triageListSql(tenantId: string, viewerId: string, filter: TriageFilter, page: PageRequest): { text: string; values: unknown[] } {
  const params: unknown[] = [tenantId, viewerId];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = ['c.tenant_id = $1'];
  if (filter.status) where.push(`c.status = ${p(filter.status)}`);
  if (filter.channelId) where.push(`c.channel_id = ${p(filter.channelId)}::uuid`);
  if (filter.assigneeId === null) where.push('c.assignee_id is null');
  else if (filter.assigneeId) where.push(`c.assignee_id = ${p(filter.assigneeId)}::uuid`);
  if (filter.teamId) where.push(`c.team_id = ${p(filter.teamId)}::uuid`);
  if (filter.restrictedTo) where.push(visibleSql('c', p(filter.restrictedTo)));
  for (const label of filter.labels ?? []) {
    where.push(
      'id' in label
        ? `exists (select 1 from conversation_labels cl where cl.tenant_id = c.tenant_id and cl.conversation_id = c.id and cl.label_id = ${p(label.id)}::uuid)`
        : `exists (select 1 from conversation_labels cl join labels l on l.tenant_id = cl.tenant_id and l.id = cl.label_id
               where cl.tenant_id = c.tenant_id and cl.conversation_id = c.id and lower(l.name) = lower(${p(label.name)}))`,
    );
  }
  // The second condition follows from the first for a non-empty filter; it lets the planner use the
  // attributes index, which leaves out conversations without any (migration ConversationAttributesIndexPartial).
  if (filter.attributes && Object.keys(filter.attributes).length > 0)
    where.push(`c.custom_attributes @> ${p(JSON.stringify(filter.attributes))}::jsonb and c.custom_attributes <> '{}'::jsonb`);
  if (filter.unread === true) where.push(unreadSql('r.read_up_to'));
  if (filter.unread === false) where.push(`not coalesce(${unreadSql('r.read_up_to')}, false)`);
  if (filter.priorities?.length) {
    const named = filter.priorities.filter((x): x is Priority => x !== null);
    const parts = [];
    if (named.length) parts.push(`c.priority = any(${p(named)}::text[])`);
    if (filter.priorities.includes(null)) parts.push('c.priority is null');
    where.push(`(${parts.join(' or ')})`);
  }
  if (filter.q) {
    const q = p(filter.q);
    where.push(`(c.id::text = lower(${q})
        or strpos(lower(c.contact_name), lower(${q})) > 0
        or exists (select 1 from contact_identities i where i.tenant_id = c.tenant_id and i.contact_id = c.contact_id and i.external_id = ${q}))`);
  }

  // Last activity: newest first. Waiting: conversations whose last message is the contact's,
  // the longest waiting first.
  const waiting = filter.sort === 'waiting';
  const at = waiting ? 'c.last_inbound_at' : 'c.last_message_at';
  if (waiting) where.push('c.last_inbound_at is not null and c.last_inbound_at >= c.last_message_at');
  if (page.after) where.push(`(${at}, c.id) ${waiting ? '>' : '<'} (${p(page.after.at)}::timestamptz, ${p(page.after.id)}::uuid)`);
  const dir = waiting ? 'asc' : 'desc';
  // The page size in the text, not a parameter: the statement runs its generic plan (see list), and
  // a plan that does not know the limit assumes a tenth of the table and may hash or sort it whole.
  if (!Number.isInteger(page.limit) || page.limit < 1) throw new Error(`page limit ${page.limit}`);
  const pageSql = `select ${PAGE_COLUMNS}, ${READ_COLUMNS} from ${WITH_READ_POSITION} where ${where.join(' and ')} order by ${at} ${dir}, c.id ${dir} limit ${page.limit + 1}`;

  let text = listTexts.get(pageSql);
  if (text === undefined) {
    if (listTexts.size >= MAX_LIST_TEXTS) listTexts.clear();
    listTexts.set(pageSql, (text = asListRows(pageSql, `${at} ${dir}, c.id ${dir}`)));
  }
  return { text, values: params };
}

/**
 * The list's statements by their page subquery, which fixes the rest of the text: the few
 * kilobytes of a statement are built once, and, being the same string every time, hashed once
 * to find its prepared name, instead of for every request. Bounded, as the filter shapes are.
 */
const listTexts = new Map<string, string>();
const MAX_LIST_TEXTS = 500;

/**
 * The agents' view of the inbox: filtered, sorted lists with what each row shows, the counts
 * behind the tabs, and each agent's read position per conversation (the one owner of
 * conversation_reads).
 */
@Injectable()
export class TriageStore {
  constructor(private readonly dbs: RegionDatabases) {}

  /** A page of the list, each row the JSON text the API answers for it (see list-row-json.ts). */
  async list(tenant: TenantRef, viewerId: string, filter: TriageFilter, page: PageRequest): Promise<Page<string>> {
    const { text, values } = triageListSql(tenant.tenantId, viewerId, { ...filter, restrictedTo: restrictedViewer(tenant) }, page);
    // Planned once per connection and shape of filter: planning its joins cost more than running them.
    const found = await this.dbs.statementForTenant<ListRow>(tenant, text, values, { genericPlan: true, rawRows: true });
    const shown = found.length > page.limit ? found.slice(0, page.limit) : found;
    const last = shown[shown.length - 1];
    const at = filter.sort === 'waiting' ? last?.[LIST_ROW.lastInboundAt] : last?.[LIST_ROW.lastMessageAt];
    return { items: shown.map(listRowJson), next: found.length > page.limit ? { at: new Date(isoInstant(at!)!), id: last[LIST_ROW.id] } : undefined };
  }

  /** One conversation as a list row shows it; null when the tenant has no such conversation. */
  async view(tenant: TenantRef, viewerId: string, id: string, tx?: EntityManager): Promise<ConversationView | null> {
    const run = (m: EntityManager) =>
      firstRow<ViewRow>(
        m,
        enriched(`select c.*, ${READ_COLUMNS} from ${WITH_READ_POSITION} where c.tenant_id = $1 and c.id = $3 and ${visibleSql('c', '$4')}`, 'c.id'),
        [tenant.tenantId, viewerId, id, restrictedViewer(tenant)],
      );
    const row = tx ? await run(tx) : await this.dbs.forTenant(tenant, run);
    return row ? toView(row) : null;
  }

  counts(tenant: TenantRef, viewerId: string, status: ConversationStatus): Promise<ConversationCounts> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const [r] = await rows<Record<string, number>>(
        tx,
        `select count(*) filter (where c.status = 'open')::int as open,
                count(*) filter (where c.status = 'pending')::int as pending,
                count(*) filter (where c.status = 'snoozed')::int as snoozed,
                count(*) filter (where c.status = 'resolved')::int as resolved,
                count(*) filter (where c.status = $3)::int as "all",
                count(*) filter (where c.status = $3 and c.assignee_id = $2::uuid)::int as mine,
                count(*) filter (where c.status = $3 and c.assignee_id = $2::uuid and ${UNREAD})::int as mine_unread,
                count(*) filter (where c.status = $3 and c.assignee_id is null)::int as unassigned
         from conversations c where c.tenant_id = $1 and ${visibleSql('c', '$4')}`,
        [tenant.tenantId, viewerId, status, restrictedViewer(tenant)],
      );
      return {
        byStatus: { open: r.open, pending: r.pending, snoozed: r.snoozed, resolved: r.resolved },
        all: r.all,
        mine: r.mine,
        mineUnread: r.mine_unread,
        unassigned: r.unassigned,
      };
    });
  }

  /**
   * Records that `userId` has read the conversation up to a message of it (by default its newest):
   * the read position only moves forward. Null when there is no such conversation or message.
   */
  markRead(tenant: TenantRef, userId: string, conversationId: string, messageId?: string): Promise<Date | null> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const upTo = messageId
        ? await firstRow<{ at: Date }>(tx, `select sent_at as at from messages where tenant_id = $1 and conversation_id = $2 and id = $3`, [
            tenant.tenantId,
            conversationId,
            messageId,
          ])
        : await firstRow<{ at: Date }>(tx, `select last_message_at as at from conversations where tenant_id = $1 and id = $2`, [
            tenant.tenantId,
            conversationId,
          ]);
      if (!upTo) return null;
      const [row] = await rows<{ read_up_to: Date }>(
        tx,
        `insert into conversation_reads as r (tenant_id, user_id, conversation_id, read_up_to) values ($1, $2, $3, $4)
         on conflict (tenant_id, user_id, conversation_id) do update set read_up_to = greatest(r.read_up_to, excluded.read_up_to), updated_at = now()
         returning r.read_up_to`,
        [tenant.tenantId, userId, conversationId, upTo.at],
      );
      return row.read_up_to;
    });
  }

  /**
   * Sets status, assignee and/or priority (undefined: left as is) on those of `ids` the tenant
   * has, in one statement; answers each changed conversation with its assignee before.
   *
   * The rows are locked in id order, as every writer of several conversations locks them
   * (migration ConversationLockOrder), and FOR NO KEY UPDATE, the lock of the update itself: FOR
   * UPDATE would also wait for, and hold up, the key-share locks that inserting a message takes on
   * its conversation, which an inbound batch takes in the order of its messages (a deadlock, test
   * conversation-lock-order).
   */
  bulkUpdate(
    tenant: TenantRef,
    ids: string[],
    set: { status?: ConversationStatus; assigneeId?: string | null; priority?: Priority | null },
  ): Promise<
    Array<{
      id: string;
      status: ConversationStatus;
      assigneeId: string | null;
      priority: Priority | null;
      previousAssigneeId: string | null;
      previousStatus: ConversationStatus;
    }>
  > {
    return this.dbs.forTenant(tenant, async (tx) =>
      (
        await rows<{
          id: string;
          status: ConversationStatus;
          assignee_id: string | null;
          priority: Priority | null;
          previous_assignee_id: string | null;
          previous_status: ConversationStatus;
        }>(
          tx,
          `update conversations c set
             status = coalesce($3, c.status),
             snoozed_until = case when $3::text is null then c.snoozed_until end,
             assignee_id = case when $4 then $5::uuid else c.assignee_id end,
             priority = case when $6 then $7 else c.priority end,
             updated_at = now()
           from (select id, assignee_id, status from conversations c where tenant_id = $1 and id = any($2::uuid[]) and ${visibleSql('c', '$8')}
                 order by id for no key update) old
           where c.tenant_id = $1 and c.id = old.id
           returning c.id, c.status, c.assignee_id, c.priority, old.assignee_id as previous_assignee_id, old.status as previous_status`,
          [
            tenant.tenantId,
            ids,
            set.status ?? null,
            set.assigneeId !== undefined,
            set.assigneeId ?? null,
            set.priority !== undefined,
            set.priority ?? null,
            restrictedViewer(tenant),
          ],
        )
      ).map((r) => ({
        id: r.id,
        status: r.status,
        assigneeId: r.assignee_id,
        priority: r.priority,
        previousAssigneeId: r.previous_assignee_id,
        previousStatus: r.previous_status,
      })),
    );
  }
}
