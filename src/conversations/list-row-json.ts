import { types } from 'pg';

/**
 * The inbox list's rows as the JSON the API answers (conversationViewResponse, key for key),
 * written from the columns PostgreSQL sends as text, unparsed: no Date, no parsed JSON, no
 * intermediate object. PostgreSQL's own JSON functions cost about 20 µs a row (json_build_object
 * and row_to_json look up each value's output function again for every row, to_char parses its
 * pattern): half the statement's CPU for a 25-row page. Here a row costs a few string joins.
 */

/** The list statement's columns, in this order (see LIST_ROW_COLUMNS). */
export type ListRow = [
  id: string,
  contactId: string,
  channelId: string,
  status: string,
  assigneeId: string | null,
  teamId: string | null,
  priority: string | null,
  snoozedUntil: string | null,
  lastMessageAt: string,
  lastInboundAt: string | null,
  customAttributes: string,
  createdAt: string,
  updatedAt: string,
  contactName: string | null,
  lastDirection: string | null,
  lastText: string | null,
  lastAt: string | null,
  subject: string | null,
  unreadCount: string,
  labels: string,
  /** The CRM summary as JSON text, already in its API shape; null when the contact has none. */
  crm: string | null,
];

/** Where each value is in a ListRow (the cursor reads the sort key and the id). */
export const LIST_ROW = { id: 0, lastMessageAt: 8, lastInboundAt: 9 } as const;

/**
 * The select list that yields a ListRow from a conversation `c` (the page subquery's columns),
 * given the SQL of the viewer's unread count and of the CRM summary's JSON text. Timestamps go out
 * as PostgreSQL writes timestamptz (ISO, in the session's zone), jsonb as its text.
 */
export const listRowColumns = (unreadCount: string, crmJson: string) => `c.id, c.contact_id, c.channel_id, c.status, c.assignee_id, c.team_id, c.priority,
  c.snoozed_until, c.last_message_at, c.last_inbound_at, c.custom_attributes, c.created_at, c.updated_at, c.contact_name,
  c.last_message_direction, c.last_message_text, c.last_message_sent_at, c.last_subject, ${unreadCount} as unread_count, c.labels,
  ${crmJson} as crm_json`;

const parseTimestamptz = types.getTypeParser(types.builtins.TIMESTAMPTZ) as (text: string) => Date | number;

/**
 * A timestamptz as PostgreSQL writes it ("2026-12-03 09:51:32.1234+00") as Date#toISOString
 * writes the same instant ("2026-12-03T09:51:32.123Z", milliseconds truncated as a Date holds
 * them). UTC sessions take the fast path; another zone or form goes through pg's own parser.
 */
export function isoInstant(text: string): string | null {
  // "YYYY-MM-DD HH:MM:SS.fff+00", the common case: one slice each side of the space.
  if (text.length === 26 && text.charCodeAt(19) === 46 && text.charCodeAt(23) === 43 && text.charCodeAt(24) === 48 && text.charCodeAt(25) === 48)
    return `${text.slice(0, 10)}T${text.slice(11, 23)}Z`;
  const n = text.length;
  if (n >= 22 && n <= 29 && text.charCodeAt(10) === 32 && text.charCodeAt(4) === 45 && text.endsWith('+00')) {
    const seconds = `${text.slice(0, 10)}T${text.slice(11, 19)}`;
    if (n === 22) return `${seconds}.000Z`;
    if (text.charCodeAt(19) === 46) return `${seconds}.${(text.slice(20, n - 3) + '00').slice(0, 3)}Z`;
  }
  const parsed = parseTimestamptz(text);
  const ms = typeof parsed === 'number' ? parsed : parsed.getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));
const instant = (v: string | null) => {
  const iso = v === null ? null : isoInstant(v);
  return iso === null ? 'null' : `"${iso}"`;
};
/** Ids, statuses and directions: PostgreSQL's own words (uuid, checked text), nothing to escape. */
const word = (v: string | null) => (v === null ? 'null' : `"${v}"`);

/**
 * One row's JSON, joined from an array of its parts: one flat string, where a chain of `+` would
 * leave a tree of a hundred pieces for the page's join to walk.
 */
export function listRowJson(r: ListRow): string {
  const [id, contactId, channelId, status, assigneeId, teamId, priority, snoozedUntil, lastMessageAt, lastInboundAt, customAttributes, createdAt, updatedAt] =
    r;
  const [contactName, lastDirection, lastText, lastAt, subject, unreadCount, labels, crm] = [r[13], r[14], r[15], r[16], r[17], r[18], r[19], r[20]];
  const lastMessage =
    lastDirection !== null && lastAt !== null ? `{"direction":${word(lastDirection)},"text":${str(lastText)},"at":${instant(lastAt)}}` : 'null';
  // A snoozed conversation woken by a message keeps its old deadline in the row: it no longer applies.
  const snoozed = status === 'snoozed' ? instant(snoozedUntil) : 'null';
  // prettier-ignore
  return [
    '{"id":"', id, '","contactId":"', contactId, '","channelId":"', channelId, '","status":', str(status),
    ',"assigneeId":', word(assigneeId), ',"teamId":', word(teamId), ',"priority":', str(priority), ',"snoozedUntil":', snoozed,
    ',"lastMessageAt":', instant(lastMessageAt), ',"lastInboundAt":', instant(lastInboundAt), ',"customAttributes":', customAttributes,
    ',"createdAt":', instant(createdAt), ',"updatedAt":', instant(updatedAt),
    ',"contact":{"id":"', contactId, '","displayName":', str(contactName), '},"lastMessage":', lastMessage,
    ',"subject":', str(subject), ',"unreadCount":', String(Number(unreadCount)), ',"labels":', labels, ',"crm":', crm ?? 'null', '}',
  ].join('');
}
