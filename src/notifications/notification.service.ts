import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageRequest, TenantRef } from '../../libs/domain/src';
import { notFound } from '../../libs/domain/src';
import { DomainEvents } from '../common/domain-events.service';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';

export interface Notification {
  id: string;
  kind: string;
  /** The agent it is for; null: a notice for the whole organization (a revoked channel, say). */
  userId: string | null;
  channelId: string | null;
  conversationId: string | null;
  /** Who caused it (the colleague who assigned or mentioned), when someone did. */
  actorId: string | null;
  message: string;
  createdAt: Date;
  /** When the reader marked it read; null while unread. */
  readAt: Date | null;
}

interface NotificationRow {
  id: string;
  kind: string;
  user_id: string | null;
  channel_id: string | null;
  conversation_id: string | null;
  actor_id: string | null;
  message: string;
  created_at: Date;
  read_at?: Date | null;
}

const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  kind: r.kind,
  userId: r.user_id,
  channelId: r.channel_id,
  conversationId: r.conversation_id,
  actorId: r.actor_id,
  message: r.message,
  createdAt: r.created_at,
  readAt: r.read_at ?? null,
});

const RETURNING = 'returning id, kind, user_id, channel_id, conversation_id, actor_id, message, created_at';

/** Who a notification is for: the organization's notices and the reader's own. */
const VISIBLE_TO = (tenant: string, user: string) => `n.tenant_id = ${tenant} and (n.user_id is null or n.user_id = ${user})`;

/**
 * Tells the Customer's people what needs their attention, stored and streamed: the organization's
 * notices (a revoked channel) and each agent's own (assigned, mentioned, a new message). Each
 * reader has their own read state. The one owner of notifications and notification_reads.
 */
@Injectable()
export class NotificationService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly events: DomainEvents,
  ) {}

  /** An organization's notice, within the caller's transaction; `announce` it in the same unit of work. */
  async record(tx: EntityManager, tenant: TenantRef, input: { kind: string; channelId?: string; message: string }): Promise<Notification> {
    const [row] = await tx.query(`insert into notifications (tenant_id, kind, channel_id, message) values ($1, $2, $3, $4) ${RETURNING}`, [
      tenant.tenantId,
      input.kind,
      input.channelId ?? null,
      input.message,
    ]);
    return toNotification(row);
  }

  /**
   * One notification per user (of this tenant, active), announced in the same transaction (the
   * surrounding unit of work's, if any). `message` must not quote an End User: notifications outlive no conversation,
   * but are not searched by erasure either.
   */
  async notifyUsers(
    tenant: TenantRef,
    userIds: string[],
    input: { kind: string; conversationId?: string; actorId?: string; message: string },
  ): Promise<Notification[]> {
    if (userIds.length === 0) return [];
    return this.dbs.unitOfWork(tenant, async (tx) => {
      const created = (
        await rows<NotificationRow>(
          tx,
          `insert into notifications (tenant_id, kind, user_id, conversation_id, actor_id, message)
           select $1, $2, u.id, $4, $5, $6 from users u where u.tenant_id = $1 and u.id = any($3::uuid[]) and u.active
           ${RETURNING}`,
          [tenant.tenantId, input.kind, [...new Set(userIds)], input.conversationId ?? null, input.actorId ?? null, input.message],
        )
      ).map(toNotification);
      for (const n of created) this.announce(tenant, n);
      return created;
    });
  }

  /**
   * A new inbound message in these conversations: their assignees hear of it, once per
   * conversation until they have read that notification.
   */
  async notifyAssigneesOfInbound(tenant: TenantRef, conversationIds: string[]): Promise<void> {
    if (conversationIds.length === 0) return;
    await this.dbs.unitOfWork(tenant, async (tx) => {
      const created = (
        await rows<NotificationRow>(
          tx,
          `insert into notifications (tenant_id, kind, user_id, conversation_id, message)
           select $1, 'conversation.message', c.assignee_id, c.id, 'New message in a conversation assigned to you'
           from unnest($2::uuid[]) as k(id)
           cross join lateral (select id, assignee_id from conversations where tenant_id = $1 and id = k.id limit 1) c
           where c.assignee_id is not null
             and not exists (
               select 1 from notifications n
               where n.tenant_id = $1 and n.conversation_id = c.id and n.user_id = c.assignee_id and n.kind = 'conversation.message'
                 and not exists (select 1 from notification_reads r where r.tenant_id = $1 and r.user_id = n.user_id and r.notification_id = n.id))
           ${RETURNING}`,
          [tenant.tenantId, [...new Set(conversationIds)]],
        )
      ).map(toNotification);
      for (const n of created) this.announce(tenant, n);
    });
  }

  announce(tenant: TenantRef, notification: Notification): void {
    this.events.publish({ tenantId: tenant.tenantId, region: tenant.region, type: 'notification.created', data: { ...notification } });
  }

  /** What `userId` sees, newest first: the organization's notices and their own, with their read state. */
  list(tenant: TenantRef, userId: string, opts: { unread?: boolean }, page: PageRequest): Promise<{ items: Notification[]; next?: { at: Date; id: string } }> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const params: unknown[] = [tenant.tenantId, userId, page.limit + 1];
      const where = [VISIBLE_TO('$1', '$2::uuid')];
      if (opts.unread) where.push('r.read_at is null');
      if (page.after) {
        params.push(page.after.at, page.after.id);
        where.push('(n.created_at, n.id) < ($4, $5)');
      }
      const found = await rows<NotificationRow>(
        tx,
        `select n.id, n.kind, n.user_id, n.channel_id, n.conversation_id, n.actor_id, n.message, n.created_at, r.read_at
         from notifications n
         left join notification_reads r on r.tenant_id = n.tenant_id and r.user_id = $2::uuid and r.notification_id = n.id
         where ${where.join(' and ')} order by n.created_at desc, n.id desc limit $3`,
        params,
      );
      const items = found.slice(0, page.limit).map(toNotification);
      const last = items[items.length - 1];
      return { items, next: found.length > page.limit ? { at: last.createdAt, id: last.id } : undefined };
    });
  }

  /** Marks one notification the user can see as read by them (again: keeps the first time). */
  markRead(tenant: TenantRef, userId: string, id: string): Promise<Notification> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const [found] = await rows<NotificationRow>(
        tx,
        `select n.id, n.kind, n.user_id, n.channel_id, n.conversation_id, n.actor_id, n.message, n.created_at from notifications n
         where ${VISIBLE_TO('$1', '$2::uuid')} and n.id = $3`,
        [tenant.tenantId, userId, id],
      );
      if (!found) throw notFound('NOTIFICATION_NOT_FOUND', 'Notification not found');
      const [read] = await rows<{ read_at: Date }>(
        tx,
        `insert into notification_reads as r (tenant_id, user_id, notification_id) values ($1, $2, $3)
         on conflict (tenant_id, user_id, notification_id) do update set read_at = r.read_at returning r.read_at`,
        [tenant.tenantId, userId, id],
      );
      return toNotification({ ...found, read_at: read.read_at });
    });
  }

  /** Marks everything the user can see as read by them; answers how many were unread. */
  markAllRead(tenant: TenantRef, userId: string): Promise<number> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const marked = await rows(
        tx,
        `insert into notification_reads (tenant_id, user_id, notification_id)
         select n.tenant_id, $2, n.id from notifications n where ${VISIBLE_TO('$1', '$2::uuid')}
         on conflict do nothing returning notification_id`,
        [tenant.tenantId, userId],
      );
      return marked.length;
    });
  }
}
