import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ChannelKind, TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';

export interface IgnoredCount {
  channelId: string;
  channelKind: string;
  reason: string;
  count: number;
  firstAt: Date;
  lastAt: Date;
}

const MAX_REASON = 200;
/** Enough for every reason the mappers give; past it a process stops remembering what it logged. */
const MAX_LOGGED = 1000;

/**
 * `inbound_ignored`: what platforms sent that did not become anything in the inbox, counted per
 * channel and reason (never silently dropped). Each reason is logged once per process and kind,
 * not once per item: a busy group chat must not flood the log.
 */
@Injectable()
export class InboundIgnored {
  private readonly log = new Logger('InboundIgnored');
  private readonly logged = new Set<string>();

  constructor(private readonly dbs: RegionDatabases) {}

  /** Counts the reasons (one entry per ignored item) in the caller's transaction. */
  async count(tx: EntityManager, tenantId: string, items: ReadonlyArray<{ channelId: string; kind: ChannelKind; reason: string }>): Promise<void> {
    if (items.length === 0) return;
    const counts = new Map<string, { channelId: string; reason: string; count: number }>();
    for (const i of items) {
      const reason = i.reason.slice(0, MAX_REASON) || 'unknown';
      const key = `${i.channelId}\u0000${reason}`;
      const c = counts.get(key) ?? { channelId: i.channelId, reason, count: 0 };
      c.count++;
      counts.set(key, c);
      this.logOnce(i.kind, reason);
    }
    const list = [...counts.values()];
    await tx.query(
      `insert into inbound_ignored (tenant_id, channel_id, reason, count)
       select $1, t.channel_id, t.reason, t.n from unnest($2::uuid[], $3::text[], $4::bigint[]) as t(channel_id, reason, n)
       on conflict (tenant_id, channel_id, reason) do update set count = inbound_ignored.count + excluded.count, last_at = now()`,
      [tenantId, list.map((c) => c.channelId), list.map((c) => c.reason), list.map((c) => c.count)],
    );
  }

  /** Counts one ignored item in a transaction of its own. */
  record(tenant: TenantRef, channelId: string, kind: ChannelKind, reason: string): Promise<void> {
    return this.dbs.forTenant(tenant, (tx) => this.count(tx, tenant.tenantId, [{ channelId, kind, reason }]));
  }

  /** Every channel's counts, the most recently seen first. */
  list(tenant: TenantRef): Promise<IgnoredCount[]> {
    return this.dbs.forTenant(tenant, async (tx) =>
      (
        await rows<{ channel_id: string; kind: string; reason: string; count: string; first_at: Date; last_at: Date }>(
          tx,
          `select i.channel_id, c.kind, i.reason, i.count, i.first_at, i.last_at
           from inbound_ignored i join channels c on c.tenant_id = i.tenant_id and c.id = i.channel_id
           where i.tenant_id = $1 order by i.last_at desc, i.channel_id, i.reason limit 1000`,
          [tenant.tenantId],
        )
      ).map((r) => ({ channelId: r.channel_id, channelKind: r.kind, reason: r.reason, count: Number(r.count), firstAt: r.first_at, lastAt: r.last_at })),
    );
  }

  private logOnce(kind: ChannelKind, reason: string): void {
    const key = `${kind}\u0000${reason}`;
    if (this.logged.has(key) || this.logged.size >= MAX_LOGGED) return;
    this.logged.add(key);
    this.log.log(`${kind}: ignored (${reason}); counted per channel in inbound_ignored, logged once`);
  }
}
