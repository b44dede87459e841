import { Injectable } from '@nestjs/common';
import type { ChannelKind } from '../../../libs/domain/src';
import { RefreshingCache } from '../../common/refreshing-cache';
import type { DataSource, EntityManager } from 'typeorm';
import { RegionDatabases } from '../../database/region-databases';
import { rows } from '../../database/sql';

export interface ChannelRoute {
  tenantId: string;
  region: string;
  channelId: string;
}

/**
 * How long a resolved account is believed on the webhook ACK path. Another instance's connect
 * or disconnect is seen after at most this long plus one directory round trip; this instance's
 * at once.
 */
const ROUTE_TTL_MS = 5_000;

export type RouteKey = { kind: ChannelKind; routingKey: string };

/** The directory's map from a platform account to the tenant (and region) that connected it. */
@Injectable()
export class ChannelRoutes {
  /** Webhooks name the same few accounts thousands of times a second; unknown accounts are remembered too. */
  private readonly cache = new RefreshingCache<{ route: ChannelRoute | null }, RouteKey>({
    max: 50_000,
    ttlMs: ROUTE_TTL_MS,
    load: async (_key, k) => ({ route: await this.find(k.kind, k.routingKey) }),
  });

  constructor(private readonly dbs: RegionDatabases) {}

  /**
   * Claims the account for the channel; returns the current owner when it is taken. `group` is
   * the business account it belongs to (see ChannelAdapter.accountGroup); the owner's claim
   * again (a reconnect) records it too.
   */
  async claim(
    kind: ChannelKind,
    routingKey: string,
    route: ChannelRoute,
    group: string | null = null,
  ): Promise<{ claimed: true } | { claimed: false; owner: ChannelRoute }> {
    const inserted = await this.dbs.directory().query(
      `insert into directory.channel_routes (platform, routing_key, tenant_id, channel_id, region, account_group) values ($1, $2, $3, $4, $5, $6)
       on conflict (platform, routing_key) do nothing returning channel_id`,
      [kind, routingKey, route.tenantId, route.channelId, route.region, group],
    );
    // After the write: a lookup that ran during it may have cached the old answer.
    this.cache.forget(`${kind}:${routingKey}`);
    if (inserted.length) return { claimed: true };
    const owner = await this.find(kind, routingKey);
    if (!owner) return this.claim(kind, routingKey, route, group);
    if (group !== null && owner.tenantId === route.tenantId)
      await this.dbs
        .directory()
        .query(`update directory.channel_routes set account_group = $3 where platform = $1 and routing_key = $2 and account_group is distinct from $3`, [
          kind,
          routingKey,
          group,
        ]);
    return { claimed: false, owner };
  }

  /** Every channel of a business account (rare webhooks about the account itself: not cached). */
  async findGroup(kind: ChannelKind, group: string): Promise<ChannelRoute[]> {
    const found = await rows<{ tenant_id: string; region: string; channel_id: string }>(
      this.dbs.directory(),
      `select tenant_id, region, channel_id from directory.channel_routes where platform = $1 and account_group = $2`,
      [kind, group],
    );
    return found.map((r) => ({ tenantId: r.tenant_id, region: r.region, channelId: r.channel_id }));
  }

  async release(kind: ChannelKind, routingKey: string, channelId: string): Promise<void> {
    await this.dbs
      .directory()
      .query(`delete from directory.channel_routes where platform = $1 and routing_key = $2 and channel_id = $3`, [kind, routingKey, channelId]);
    this.cache.forget(`${kind}:${routingKey}`);
  }

  /**
   * Releases every account of a tenant (termination), in `db` when given (a directory
   * transaction: then call `forget` with the answer once it committed, not before).
   */
  async releaseTenant(tenantId: string, db: EntityManager | DataSource = this.dbs.directory()): Promise<RouteKey[]> {
    const released = await rows<{ platform: ChannelKind; routing_key: string }>(
      db,
      `delete from directory.channel_routes where tenant_id = $1 returning platform, routing_key`,
      [tenantId],
    );
    return released.map((r) => ({ kind: r.platform, routingKey: r.routing_key }));
  }

  /** This instance stops believing these accounts' cached routes at once (others within ROUTE_TTL_MS). */
  forget(keys: RouteKey[]): void {
    for (const k of keys) this.cache.forget(`${k.kind}:${k.routingKey}`);
  }

  async find(kind: ChannelKind, routingKey: string): Promise<ChannelRoute | null> {
    const [row] = await this.dbs
      .directory()
      .query(`select tenant_id, region, channel_id from directory.channel_routes where platform = $1 and routing_key = $2`, [kind, routingKey]);
    return row ? { tenantId: row.tenant_id, region: row.region, channelId: row.channel_id } : null;
  }

  async findByChannel(channelId: string): Promise<(ChannelRoute & { kind: string }) | null> {
    const [row] = await this.dbs
      .directory()
      .query(`select platform, tenant_id, region, channel_id from directory.channel_routes where channel_id = $1`, [channelId]);
    return row ? { kind: row.platform, tenantId: row.tenant_id, region: row.region, channelId: row.channel_id } : null;
  }

  /** Resolves the accounts a webhook names (usually one), through the cache. */
  async findMany(keys: RouteKey[]): Promise<Map<string, ChannelRoute>> {
    const out = new Map<string, ChannelRoute>();
    await Promise.all(
      keys.map(async (k) => {
        const { route } = await this.cache.get(`${k.kind}:${k.routingKey}`, k);
        if (route) out.set(`${k.kind}:${k.routingKey}`, route);
      }),
    );
    return out;
  }
}
