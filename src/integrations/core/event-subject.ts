import type { EntityManager } from 'typeorm';
import { type Attachment, type ChannelKind, isUuid } from '../../../libs/domain/src';
import type { DataOrigin } from '../../../libs/policy/src';
import type { DomainEvent } from '../../common/domain-events.service';
import { firstRow, type SqlRow } from '../../database/sql';

/** The domain events an integration endpoint may ask for. */
export const INTEGRATION_EVENT_TYPES = [
  'message.created',
  'message.status',
  'conversation.updated',
  'channel.updated',
  'notification.created',
] as const satisfies readonly DomainEvent['type'][];
export type IntegrationEventType = (typeof INTEGRATION_EVENT_TYPES)[number];

export const isIntegrationEventType = (type: string): type is IntegrationEventType => (INTEGRATION_EVENT_TYPES as readonly string[]).includes(type);

/**
 * What an event is about, loaded from the database (a read model over the inbox's tables, read
 * in the transaction that records or sends the delivery): where its data comes from (the origin the
 * purpose policy judges; null when it carries no End User data, like a channel's status), whose
 * it is (for consent), and the payload's `data`.
 */
export interface EventSubject {
  origin: DataOrigin | null;
  contactId: string | null;
  /** The contact's recorded consents (contact_consents purposes that are granted). */
  consents: ReadonlySet<string>;
  data: Record<string, unknown>;
}

type Row = SqlRow;
const channelOf = (r: Row) => ({ id: r.channel_id as string, kind: r.channel_kind as ChannelKind, name: r.channel_name as string });
const contactOf = (r: Row) => ({ id: r.contact_id, displayName: r.display_name });
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
// Platform references (media ids, hashes) stay inside: a receiver gets what a person would see.
const attachmentsOf = (list: Attachment[]) => list.map((a) => ({ type: a.type, url: a.url ?? null, mimeType: a.mimeType ?? null, name: a.name ?? null }));

const CONVERSATION_SQL = `
  c.id as conversation_id, c.status as conversation_status, c.assignee_id, c.contact_id, c.last_message_at,
  ch.id as channel_id, ch.kind as channel_kind, ch.name as channel_name, ct.display_name,
  array(select cc.purpose from contact_consents cc where cc.tenant_id = c.tenant_id and cc.contact_id = c.contact_id and cc.granted) as consents
  from conversations c
  join channels ch on ch.tenant_id = c.tenant_id and ch.id = c.channel_id
  join contacts ct on ct.tenant_id = c.tenant_id and ct.id = c.contact_id`;

const NO_CONSENTS: ReadonlySet<string> = new Set();
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const uuid = (v: unknown): string | null => (typeof v === 'string' && isUuid(v) ? v : null);

/**
 * Loads the subject of an event in the tenant's transaction (`originOf`: a channel kind's data
 * origin, as its adapter declares it); null when it no longer exists
 * (erased, purged). The event's own fields (e.g. the status a receipt moved a message to) win over
 * the current state, which may have moved on since.
 */
export async function loadEventSubject(
  tx: EntityManager,
  tenantId: string,
  type: string,
  event: Record<string, unknown>,
  originOf: (kind: ChannelKind) => DataOrigin,
): Promise<EventSubject | null> {
  switch (type) {
    case 'message.created':
    case 'message.status': {
      const messageId = uuid(event.messageId);
      if (!messageId) return null;
      const r = await firstRow<SqlRow>(
        tx,
        `select m.id, m.direction, m.text, m.attachments, m.status, m.error_code, m.error_text, m.author_id, m.sent_at, m.created_at, m.deleted_at, ${CONVERSATION_SQL}
         join messages m on m.tenant_id = c.tenant_id and m.conversation_id = c.id
         where c.tenant_id = $1 and m.id = $2`,
        [tenantId, messageId],
      );
      if (!r) return null;
      const status = type === 'message.status' && typeof event.status === 'string' ? event.status : r.status;
      return {
        origin: originOf(r.channel_kind),
        contactId: r.contact_id,
        consents: new Set(r.consents),
        data: {
          message: {
            id: r.id,
            conversationId: r.conversation_id,
            direction: r.direction,
            text: r.text,
            attachments: attachmentsOf(r.attachments ?? []),
            status,
            error: r.error_code ? { code: r.error_code, text: r.error_text } : null,
            authorId: r.author_id,
            deleted: r.deleted_at !== null,
            sentAt: iso(r.sent_at),
            createdAt: iso(r.created_at),
          },
          conversation: { id: r.conversation_id, status: r.conversation_status, assigneeId: r.assignee_id },
          contact: contactOf(r),
          channel: channelOf(r),
          ...event,
        },
      };
    }
    case 'conversation.updated': {
      const id = uuid(event.id);
      if (!id) return null;
      const r = await firstRow(tx, `select ${CONVERSATION_SQL} where c.tenant_id = $1 and c.id = $2`, [tenantId, id]);
      if (!r) return null;
      return {
        origin: originOf(r.channel_kind),
        contactId: r.contact_id,
        consents: new Set(r.consents),
        data: {
          conversation: { id: r.conversation_id, status: r.conversation_status, assigneeId: r.assignee_id, lastMessageAt: iso(r.last_message_at) },
          contact: contactOf(r),
          channel: channelOf(r),
          ...event,
        },
      };
    }
    case 'channel.updated': {
      const id = uuid(event.id);
      if (!id) return null;
      const r = await firstRow(
        tx,
        `select id as channel_id, kind as channel_kind, name as channel_name, status from channels where tenant_id = $1 and id = $2`,
        [tenantId, id],
      );
      if (!r) return null;
      // The Customer's own account status: no End User data, so no origin to limit.
      return { origin: null, contactId: null, consents: NO_CONSENTS, data: { channel: { ...channelOf(r), status: r.status }, ...event } };
    }
    case 'notification.created':
      return { origin: null, contactId: null, consents: NO_CONSENTS, data: { ...event, channelId: str(event.channelId) } };
    default:
      return null;
  }
}
