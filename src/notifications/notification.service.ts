import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageRequest, TenantRef } from '../../libs/domain/src';
import { DomainEvents } from '../common/domain-events.service';
import { RegionDatabases } from '../database/region-databases';

export interface Notification {
  id: string;
  kind: string;
  channelId: string | null;
  message: string;
  createdAt: Date;
  readAt: Date | null;
}

interface NotificationRow {
  id: string;
  kind: string;
  channel_id: string | null;
  message: string;
  created_at: Date;
  read_at: Date | null;
}

const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  kind: r.kind,
  channelId: r.channel_id,
  message: r.message,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/** Tells a Customer what needs their attention (a revoked channel, say), stored and streamed. */
@Injectable()
export class NotificationService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly events: DomainEvents,
  ) {}

  /** Records within the caller's transaction; call `announce` after it commits. */
  async record(tx: EntityManager, tenant: TenantRef, input: { kind: string; channelId?: string; message: string }): Promise<Notification> {
    const [row] = await tx.query(
      `insert into notifications (tenant_id, kind, channel_id, message) values ($1, $2, $3, $4)
       returning id, kind, channel_id, message, created_at, read_at`,
      [tenant.tenantId, input.kind, input.channelId ?? null, input.message],
    );
    return toNotification(row);
  }

  announce(tenant: TenantRef, notification: Notification): void {
    this.events.publish({ tenantId: tenant.tenantId, type: 'notification.created', data: { ...notification } });
  }

  list(tenant: TenantRef, page: PageRequest): Promise<{ items: Notification[]; next?: { at: Date; id: string } }> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const params: unknown[] = [tenant.tenantId, page.limit + 1];
      let keyset = '';
      if (page.after) {
        params.push(page.after.at, page.after.id);
        keyset = 'and (created_at, id) < ($3, $4)';
      }
      const rows: NotificationRow[] = await tx.query(
        `select id, kind, channel_id, message, created_at, read_at from notifications
         where tenant_id = $1 ${keyset} order by created_at desc, id desc limit $2`,
        params,
      );
      const items = rows.slice(0, page.limit).map(toNotification);
      const last = items[items.length - 1];
      return { items, next: rows.length > page.limit ? { at: last.createdAt, id: last.id } : undefined };
    });
  }
}
