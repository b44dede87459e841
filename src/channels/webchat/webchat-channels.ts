import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { TenantRef, notFound } from '../../../libs/domain/src';
import { DomainEvents } from '../../common/domain-events.service';
import { RegionDatabases } from '../../database/region-databases';
import { firstRow } from '../../database/sql';
import { ChannelRoutes } from '../channel-routes';
import { ChannelService } from '../channel.service';
import { CHANNEL_KEY } from './webchat-identity';

/** A web chat channel as the visitor API sees it: where it lives and who may embed it. */
export interface WebchatChannel {
  key: string;
  tenant: TenantRef;
  channelId: string;
  allowedOrigins: readonly string[];
}

const TTL_MS = 15_000;
const MAX_CACHED = 10_000;

/**
 * Resolves a public channel key to its tenant, region and allowed origins. Every visitor request
 * (and CORS preflight) needs this, so answers are cached briefly; a disconnect on this instance
 * evicts at once, on other instances within the TTL.
 */
@Injectable()
export class WebchatChannels implements OnModuleDestroy {
  private readonly cache = new Map<string, { channel: WebchatChannel; until: number }>();
  private readonly subscription: Subscription;

  constructor(
    private readonly routes: ChannelRoutes,
    private readonly dbs: RegionDatabases,
    private readonly channels: ChannelService,
    events: DomainEvents,
  ) {
    this.subscription = events.all().subscribe((e) => {
      if (e.type !== 'channel.updated') return;
      for (const [key, entry] of this.cache) if (entry.channel.channelId === e.data.id) this.cache.delete(key);
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  /** The active channel behind `key`, or null (unknown, malformed, disconnected: all look alike). */
  async find(key: string): Promise<WebchatChannel | null> {
    if (!CHANNEL_KEY.test(key)) return null;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.channel;
    this.cache.delete(key);
    const route = await this.routes.find('webchat', key);
    if (!route) return null;
    const tenant = { tenantId: route.tenantId, region: route.region };
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ status: string; config: { allowedOrigins?: string[] } }>(
        tx,
        `select status, config from channels where tenant_id = $1 and id = $2 and kind = 'webchat'`,
        [route.tenantId, route.channelId],
      ),
    );
    if (!row || row.status !== 'active') return null;
    const channel: WebchatChannel = { key, tenant, channelId: route.channelId, allowedOrigins: Object.freeze([...(row.config.allowedOrigins ?? [])]) };
    this.cache.set(key, { channel, until: Date.now() + TTL_MS });
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return channel;
  }

  async get(key: string): Promise<WebchatChannel> {
    const channel = await this.find(key);
    if (!channel) throw notFound('WEBCHAT_CHANNEL_NOT_FOUND', 'No such chat');
    return channel;
  }

  /** The channel's identity secret, read only when a visitor claims a user id. */
  async identitySecret(channel: WebchatChannel): Promise<string | null> {
    const c = await this.dbs.forTenant(channel.tenant, (tx) => this.channels.withCredentials(tx, channel.tenant, channel.channelId));
    return c.credentials.identitySecret ?? null;
  }
}
