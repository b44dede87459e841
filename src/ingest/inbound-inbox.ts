import { Injectable, Logger } from '@nestjs/common';
import { RegionDatabases } from '../database/region-databases';
import { storableJson, storableText } from '../database/storable';
import { InboxGroupCommit, InboxRow } from './group-commit';
import { ChannelKind, notFound } from '../../libs/domain/src';
import { ChannelRoute, ChannelRoutes } from '../channels/channel-routes';
import { ChannelService } from '../channels/channel.service';
import type { WebhookItem } from '../channels/meta/meta-webhook-splitter';
import { WorkSignal } from '../common/work-signal';

const FOREIGN_KEY_VIOLATION = '23503';

export interface AcceptResult {
  stored: number;
  duplicates: number;
  unrouted: number;
}

/**
 * The webhook ACK path: route each item to its tenant's region and store it durably, deduplicated,
 * with a job to process it. Nothing else happens before the platform gets its 200.
 */
@Injectable()
export class InboundInbox {
  private readonly log = new Logger(InboundInbox.name);
  private readonly groupCommit: InboxGroupCommit;

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly routes: ChannelRoutes,
    private readonly signal: WorkSignal,
    private readonly channels: ChannelService,
  ) {
    this.groupCommit = new InboxGroupCommit(dbs);
  }

  /**
   * For platforms that call a URL per channel (Telegram, Twilio): `authenticate` sees the
   * channel's decrypted credentials and must throw unless the request proves it knows them.
   * An unknown or disconnected channel answers 404 without revealing more.
   */
  async acceptForChannel(
    kind: ChannelKind,
    channelId: string,
    authenticate: (credentials: Record<string, string>) => void,
    items: Array<Pick<WebhookItem, 'dedupeKey' | 'payload'>>,
  ): Promise<AcceptResult> {
    const route = await this.routes.findByChannel(channelId);
    if (!route || route.kind !== kind) throw notFound('CHANNEL_NOT_FOUND', 'No such channel');
    const channel = await this.dbs.forTenant(route, (tx) => this.channels.withCredentials(tx, route, channelId));
    authenticate(channel.credentials);
    return this.store(new Map([[channelId, { route, items: items.map((i) => ({ ...i, kind, routingKey: channelId })) }]]), items.length, 0);
  }

  async accept(items: WebhookItem[]): Promise<AcceptResult> {
    const keys = [...new Map(items.map((i) => [`${i.kind}:${i.routingKey}`, { kind: i.kind, routingKey: i.routingKey }])).values()];
    const routes = await this.routes.findMany(keys);

    const byChannel = new Map<string, { route: ChannelRoute; items: WebhookItem[] }>();
    let unrouted = 0;
    for (const item of items) {
      const route = routes.get(`${item.kind}:${item.routingKey}`);
      if (!route) {
        unrouted++;
        continue;
      }
      const group = byChannel.get(route.channelId) ?? { route, items: [] };
      group.items.push(item);
      byChannel.set(route.channelId, group);
    }
    if (unrouted) this.log.warn(`dropped ${unrouted} webhook item(s) for accounts no tenant has connected`);
    return this.store(byChannel, items.length, unrouted);
  }

  private async store(byChannel: Map<string, { route: ChannelRoute; items: Array<Pick<WebhookItem, 'dedupeKey' | 'payload'>> }>, received: number, unrouted: number): Promise<AcceptResult> {
    // Per tenant (so per region): all must be committed before the ACK.
    const byTenant = new Map<string, { route: ChannelRoute; rows: InboxRow[] }>();
    for (const { route, items } of byChannel.values()) {
      const group = byTenant.get(route.tenantId) ?? { route, rows: [] };
      for (const i of items) group.rows.push({ channelId: route.channelId, dedupeKey: storableText(i.dedupeKey), payload: storableJson(i.payload) });
      byTenant.set(route.tenantId, group);
    }
    let vanished = 0;
    const stored = await Promise.all(
      [...byTenant.values()].map(({ route, rows }) =>
        this.groupCommit.add(route, rows).catch((err: unknown) => {
          // The channel is gone (its organization was terminated) but a route cached before that,
          // here or on another instance, still named it: dropped like an account nobody connected.
          if ((err as { code?: string }).code !== FOREIGN_KEY_VIOLATION) throw err;
          vanished += rows.length;
          return 0;
        }),
      ),
    );
    if (vanished) this.log.warn(`dropped ${vanished} webhook item(s) for channels that no longer exist`);
    const total = stored.reduce((a, b) => a + b, 0);
    if (total > 0) this.signal.notify('inbound');
    return { stored: total, duplicates: received - unrouted - vanished - total, unrouted: unrouted + vanished };
  }
}
