import { Injectable, Logger } from '@nestjs/common';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { ChannelKind, notFound } from '../../libs/domain/src';
import { ChannelRoute, ChannelRoutes } from '../channels/channel-routes';
import { ChannelService } from '../channels/channel.service';
import type { WebhookItem } from '../channels/meta/meta-webhook-splitter';
import { WorkSignal } from '../common/work-signal';

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

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly routes: ChannelRoutes,
    private readonly signal: WorkSignal,
    private readonly channels: ChannelService,
  ) {}

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

  private async store(byChannel: Map<string, { route: ChannelRoute; items: WebhookItem[] }>, received: number, unrouted: number): Promise<AcceptResult> {
    // One transaction per channel, each in its tenant's region; all must commit before the ACK.
    const stored = await Promise.all(
      [...byChannel.values()].map(({ route, items: group }) =>
        this.dbs.forTenant(route, async (tx) => {
          const inserted = await rows(
            tx,
            `with ins as (
               insert into inbound_events (tenant_id, channel_id, dedupe_key, payload)
               select $1, $2, dedupe_key, payload::jsonb
               from unnest($3::text[], $4::text[]) as t(dedupe_key, payload)
               on conflict (tenant_id, channel_id, dedupe_key) do nothing
               returning id)
             insert into queue.jobs (kind, tenant_id, ref_id) select 'inbound', $1, id from ins returning ref_id`,
            [
              route.tenantId,
              route.channelId,
              group.map((i) => i.dedupeKey),
              group.map((i) => JSON.stringify(i.payload)),
            ],
          );
          return inserted.length;
        }),
      ),
    );
    const total = stored.reduce((a, b) => a + b, 0);
    if (total > 0) this.signal.notify('inbound');
    return { stored: total, duplicates: received - unrouted - total, unrouted };
  }
}
