import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { DomainError, TenantRef, notFound } from '../../../libs/domain/src';
import { WEBCHAT_DEFAULT_UPLOAD_TYPES } from '../../../libs/policy/src';
import { RefreshingCache } from '../../common/refreshing-cache';
import { DomainEvents } from '../../common/domain-events.service';
import { RegionDatabases } from '../../database/region-databases';
import { ChannelRoutes } from '../core/channel-routes';
import { ChannelService } from '../core/channel.service';
import { CHANNEL_KEY } from './webchat-identity';

/** A web chat channel as the visitor API sees it: where it lives and who may embed it. */
export interface WebchatChannel {
  key: string;
  tenant: TenantRef;
  channelId: string;
  allowedOrigins: readonly string[];
  /** What a visitor may attach (`image/*`, `application/pdf`...); empty: no files. */
  allowedUploadTypes: readonly string[];
}

const TTL_MS = 15_000;
const MAX_CACHED = 10_000;

/**
 * Resolves a public channel key to its tenant, region and allowed origins. Every visitor request
 * (and CORS preflight) needs this, so answers are cached briefly (never served past the TTL); a
 * disconnect on this instance evicts at once, on other instances within the TTL.
 */
@Injectable()
export class WebchatChannels implements OnModuleDestroy {
  private readonly cache = new RefreshingCache<{ channel: WebchatChannel | null }>({
    max: MAX_CACHED,
    ttlMs: TTL_MS,
    serveStale: false,
    load: (key) => this.load(key),
  });
  /** The key each cached channel was found under, to evict it when the channel changes. */
  private readonly keyOf = new Map<string, string>();
  private readonly subscription: Subscription;

  constructor(
    private readonly routes: ChannelRoutes,
    private readonly dbs: RegionDatabases,
    private readonly channels: ChannelService,
    events: DomainEvents,
  ) {
    this.subscription = events.committedHere().subscribe((e) => {
      if (e.type !== 'channel.updated') return;
      const key = this.keyOf.get(String(e.data.id));
      if (key === undefined) return;
      this.keyOf.delete(String(e.data.id));
      this.cache.forget(key);
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  /** The active channel behind `key`, or null (unknown, malformed, disconnected: all look alike). */
  async find(key: string): Promise<WebchatChannel | null> {
    if (!CHANNEL_KEY.test(key)) return null;
    const { channel } = await this.cache.get(key);
    // Only channels are remembered: a key nobody has (yet) is asked again next time.
    if (!channel) this.cache.forget(key);
    return channel;
  }

  private async load(key: string): Promise<{ channel: WebchatChannel | null }> {
    const route = await this.routes.find('webchat', key);
    if (!route) return { channel: null };
    const tenant = { tenantId: route.tenantId, region: route.region };
    const found = await this.channels.get(tenant, route.channelId).catch((err: unknown) => {
      if (err instanceof DomainError && err.kind === 'not_found') return null;
      throw err;
    });
    if (!found || found.kind !== 'webchat' || found.status !== 'active') return { channel: null };
    const allowedOrigins = Array.isArray(found.config.allowedOrigins) ? (found.config.allowedOrigins as string[]) : [];
    // Channels connected before visitors could attach files take the default.
    const allowedUploadTypes = Array.isArray(found.config.allowedUploadTypes) ? (found.config.allowedUploadTypes as string[]) : WEBCHAT_DEFAULT_UPLOAD_TYPES;
    if (this.keyOf.size >= MAX_CACHED) this.keyOf.delete(this.keyOf.keys().next().value!);
    this.keyOf.set(route.channelId, key);
    return {
      channel: {
        key,
        tenant,
        channelId: route.channelId,
        allowedOrigins: Object.freeze([...allowedOrigins]),
        allowedUploadTypes: Object.freeze([...allowedUploadTypes]),
      },
    };
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
