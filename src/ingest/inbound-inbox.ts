import { Injectable, Logger } from '@nestjs/common';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { ChannelRoute, ChannelRoutes } from '../channels/channel-routes';
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
  ) {}

  async accept(items: WebhookItem[]): Promise<AcceptResult> {
    const keys = [...new Map(items.map((i) => [`${i.kind}:${i.routingKey}`, { kind: i.kind, routingKey: i.routingKey }])).values()];
    const routes = await this.routes.findMany(keys);

    const byTenant = new Map<string, { route: ChannelRoute; items: WebhookItem[] }>();
    let unrouted = 0;
    for (const item of items) {
      const route = routes.get(`${item.kind}:${item.routingKey}`);
      if (!route) {
        unrouted++;
        continue;
      }
      const group = byTenant.get(route.tenantId) ?? { route, items: [] };
      group.items.push(item);
      byTenant.set(route.tenantId, group);
    }
    if (unrouted) this.log.warn(`dropped ${unrouted} webhook item(s) for accounts no tenant has connected`);

    // One transaction per tenant, each in its own region; all must commit before the ACK.
    const stored = await Promise.all(
      [...byTenant.values()].map(({ route, items: group }) =>
        this.dbs.forTenant(route, async (tx) => {
          const inserted = await rows(
            tx,
            `with ins as (
               insert into inbound_events (tenant_id, channel_id, dedupe_key, payload)
               select $1, channel_id, dedupe_key, payload::jsonb
               from unnest($2::uuid[], $3::text[], $4::text[]) as t(channel_id, dedupe_key, payload)
               on conflict (tenant_id, channel_id, dedupe_key) do nothing
               returning id)
             insert into queue.jobs (kind, tenant_id, ref_id) select 'inbound', $1, id from ins returning ref_id`,
            [
              route.tenantId,
              group.map((i) => routes.get(`${i.kind}:${i.routingKey}`)!.channelId),
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
    return { stored: total, duplicates: items.length - unrouted - total, unrouted };
  }
}
