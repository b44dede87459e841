import { Injectable } from '@nestjs/common';
import type { ChannelKind } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';

export interface ChannelRoute {
  tenantId: string;
  region: string;
  channelId: string;
}

/** The directory's map from a platform account to the tenant (and region) that connected it. */
/**
 * How long a resolved account stays cached for the webhook ACK path. Another instance's
 * connect or disconnect is seen after at most this long; this instance's at once.
 */
const ROUTE_TTL_MS = 5_000;

@Injectable()
export class ChannelRoutes {
  private readonly cache = new Map<string, { route: ChannelRoute | null; expires: number }>();

  constructor(private readonly dbs: RegionDatabases) {}

  /** Claims the account for the channel; returns the current owner when it is taken. */
  async claim(kind: ChannelKind, routingKey: string, route: ChannelRoute): Promise<{ claimed: true } | { claimed: false; owner: ChannelRoute }> {
    this.cache.delete(`${kind}:${routingKey}`);
    const inserted = await this.dbs.directory().query(
      `insert into directory.channel_routes (platform, routing_key, tenant_id, channel_id, region) values ($1, $2, $3, $4, $5)
       on conflict (platform, routing_key) do nothing returning channel_id`,
      [kind, routingKey, route.tenantId, route.channelId, route.region],
    );
    if (inserted.length) return { claimed: true };
    const owner = await this.find(kind, routingKey);
    return owner ? { claimed: false, owner } : this.claim(kind, routingKey, route);
  }

  async release(kind: ChannelKind, routingKey: string, channelId: string): Promise<void> {
    this.cache.delete(`${kind}:${routingKey}`);
    await this.dbs.directory().query(`delete from directory.channel_routes where platform = $1 and routing_key = $2 and channel_id = $3`, [kind, routingKey, channelId]);
  }

  async find(kind: ChannelKind, routingKey: string): Promise<ChannelRoute | null> {
    const [row] = await this.dbs.directory().query(
      `select tenant_id, region, channel_id from directory.channel_routes where platform = $1 and routing_key = $2`,
      [kind, routingKey],
    );
    return row ? { tenantId: row.tenant_id, region: row.region, channelId: row.channel_id } : null;
  }

  async findByChannel(channelId: string): Promise<(ChannelRoute & { kind: string }) | null> {
    const [row] = await this.dbs.directory().query(`select platform, tenant_id, region, channel_id from directory.channel_routes where channel_id = $1`, [channelId]);
    return row ? { kind: row.platform, tenantId: row.tenant_id, region: row.region, channelId: row.channel_id } : null;
  }

  /** Resolves many accounts in one query (a webhook batch may name several). */
  async findMany(keys: Array<{ kind: ChannelKind; routingKey: string }>): Promise<Map<string, ChannelRoute>> {
    const out = new Map<string, ChannelRoute>();
    const now = Date.now();
    const missing = keys.filter((k) => {
      const hit = this.cache.get(`${k.kind}:${k.routingKey}`);
      if (!hit || hit.expires < now) return true;
      if (hit.route) out.set(`${k.kind}:${k.routingKey}`, hit.route);
      return false;
    });
    if (missing.length === 0) return out;
    keys = missing;
    const rows: Array<{ platform: string; routing_key: string; tenant_id: string; region: string; channel_id: string }> = await this.dbs
      .directory()
      .query(
        `select r.platform, r.routing_key, r.tenant_id, r.region, r.channel_id from directory.channel_routes r
         join unnest($1::text[], $2::text[]) as k(platform, routing_key) using (platform, routing_key)`,
        [keys.map((k) => k.kind), keys.map((k) => k.routingKey)],
      );
    const found = new Map(rows.map((r) => [`${r.platform}:${r.routing_key}`, { tenantId: r.tenant_id, region: r.region, channelId: r.channel_id }]));
    if (this.cache.size > 50_000) this.cache.clear();
    for (const k of keys) {
      const key = `${k.kind}:${k.routingKey}`;
      const route = found.get(key) ?? null;
      this.cache.set(key, { route, expires: now + ROUTE_TTL_MS });
      if (route) out.set(key, route);
    }
    return out;
  }
}
