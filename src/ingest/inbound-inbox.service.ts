import { Injectable, Logger } from '@nestjs/common';
import { RegionDatabases } from '../database/region-databases';
import { isDatabaseDown, sqlState } from '../database/database-errors';
import { storableJson, storableText } from '../database/storable';
import { InboxGroupCommit, InboxRow } from './group-commit';
import { InboundEventStore } from './inbound-event.store';
import { InboundIgnored } from './inbound-ignored.store';
import { ChannelKind, notFound } from '../../libs/domain/src';
import type { InboxItem, WebhookItem } from '../channels/core/channel-adapter';
import { ChannelRoute, ChannelRoutes } from '../channels/core/channel-routes';
import { ChannelService } from '../channels/core/channel.service';
import { WorkSignal } from '../queue/work-signal.service';

const FOREIGN_KEY_VIOLATION = '23503';

interface ParkedRow extends InboxRow {
  error: string;
}

interface IgnoredItem {
  channelId: string;
  kind: ChannelKind;
  reason: string;
}

export interface AcceptResult {
  stored: number;
  /** Genuine but of no use to the inbox: counted per channel and reason, not stored. */
  ignored: number;
  /** Stored already parked (malformed, new ones only): not counted in `stored`. */
  parked: number;
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
    private readonly events: InboundEventStore,
    private readonly ignored: InboundIgnored,
  ) {
    this.groupCommit = new InboxGroupCommit(dbs);
  }

  /**
   * For platforms that call a URL per channel (Telegram, Twilio): `authenticate` sees the
   * channel's decrypted credentials and must throw unless the request proves it knows them.
   * An unknown or disconnected channel answers 404 without revealing more. `ignored` names why
   * a genuine request brought nothing to store (a group chat, say): it is counted, once authenticated.
   */
  async acceptForChannel(
    kind: ChannelKind,
    channelId: string,
    authenticate: (credentials: Record<string, string>) => void,
    items: InboxItem[],
    ignored?: string,
  ): Promise<AcceptResult> {
    const route = await this.routes.findByChannel(channelId);
    if (!route || route.kind !== kind) throw notFound('CHANNEL_NOT_FOUND', 'No such channel');
    const channel = await this.dbs.forTenant(route, (tx) => this.channels.withCredentials(tx, route, channelId));
    authenticate(channel.credentials);
    if (ignored) await this.ignored.record(route, channelId, kind, ignored);
    return this.store(new Map([[channelId, { route, items: items.map((i) => ({ ...i, kind, routingKey: channelId })) }]]), items.length, 0);
  }

  async accept(items: WebhookItem[]): Promise<AcceptResult> {
    const single = items.filter((i) => !i.toAccountGroup);
    const keys = [...new Map(single.map((i) => [`${i.kind}:${i.routingKey}`, { kind: i.kind, routingKey: i.routingKey }])).values()];
    const routes = await this.routes.findMany(keys);

    const byChannel = new Map<string, { route: ChannelRoute; items: WebhookItem[] }>();
    const add = (route: ChannelRoute, item: WebhookItem) => {
      const group = byChannel.get(route.channelId) ?? { route, items: [] };
      group.items.push(item);
      byChannel.set(route.channelId, group);
    };
    let unrouted = 0;
    let received = single.length;
    for (const item of single) {
      const route = routes.get(`${item.kind}:${item.routingKey}`);
      if (route) add(route, item);
      else unrouted++;
    }
    // An item about a business account is stored once for each of its channels, whichever tenants have them.
    for (const item of items.filter((i) => i.toAccountGroup)) {
      const members = await this.routes.findGroup(item.kind, item.routingKey);
      if (!members.length) unrouted++;
      received += Math.max(members.length, 1);
      for (const route of members) add(route, item);
    }
    if (unrouted) this.log.warn(`dropped ${unrouted} webhook item(s) for accounts no tenant has connected`);
    return this.store(byChannel, received, unrouted);
  }

  private async store(byChannel: Map<string, { route: ChannelRoute; items: WebhookItem[] }>, received: number, unrouted: number): Promise<AcceptResult> {
    // Per tenant (so per region): all must be committed before the ACK.
    const byTenant = new Map<string, { route: ChannelRoute; rows: InboxRow[]; parked: ParkedRow[]; ignored: IgnoredItem[] }>();
    for (const { route, items } of byChannel.values()) {
      const group = byTenant.get(route.tenantId) ?? { route, rows: [], parked: [], ignored: [] };
      for (const i of items) {
        if (i.ignored) {
          group.ignored.push({ channelId: route.channelId, kind: i.kind, reason: i.ignored });
          continue;
        }
        const row = { channelId: route.channelId, dedupeKey: storableText(i.dedupeKey), payload: storableJson(i.payload) };
        if (i.parked) group.parked.push({ ...row, error: storableText(i.parked) });
        else group.rows.push(row);
      }
      byTenant.set(route.tenantId, group);
    }
    const ignored = [...byTenant.values()].reduce((n, g) => n + g.ignored.length, 0);
    let vanished = 0;
    const stored = await Promise.all(
      [...byTenant.values()].map(async ({ route, rows: toStore, parked, ignored: notStored }) => {
        const [, n, p] = await Promise.all([
          notStored.length > 0 ? this.dbs.forTenant(route, (tx) => this.ignored.count(tx, route.tenantId, notStored)) : undefined,
          toStore.length > 0
            ? this.groupCommit.add(route, toStore).catch((err: unknown) => {
                // The channel is gone (its organization was terminated) but a route cached before that,
                // here or on another instance, still named it: dropped like an account nobody connected.
                if (sqlState(err) !== FOREIGN_KEY_VIOLATION) throw err;
                vanished += toStore.length;
                return 0;
              })
            : 0,
          parked.length > 0 ? this.park(route, parked) : 0,
        ]);
        return { n, parked: p };
      }),
    );
    if (vanished) this.log.warn(`dropped ${vanished} webhook item(s) for channels that no longer exist`);
    const total = stored.reduce((a, b) => a + b.n, 0);
    const parked = stored.reduce((a, b) => a + b.parked, 0);
    if (total > 0) this.signal.notify('inbound');
    return { stored: total, ignored, parked, duplicates: received - unrouted - vanished - total - parked - ignored, unrouted: unrouted + vanished };
  }

  /**
   * Stores items that cannot be processed as they are (not of their platform's documented shape)
   * already parked: failed, with no job, listed for an admin under state=failed. Rare, so they
   * take a statement of their own instead of joining the group commit.
   */
  private async park(route: ChannelRoute, parked: ParkedRow[]): Promise<number> {
    this.log.warn(
      `parking ${parked.length} malformed webhook item(s) of channel ${route.channelId}: ${parked
        .map((p) => p.error)
        .join('; ')
        .slice(0, 500)}`,
    );
    try {
      return await this.events.insertParked(route, parked);
    } catch (err) {
      // A lost database answers 503 (the platform delivers again); nothing else may fail the request's good items.
      if (isDatabaseDown(err)) throw err;
      this.log.error(`could not park the malformed item(s) of channel ${route.channelId}: ${sqlState(err) ?? ''} ${(err as Error).message}`);
      return 0;
    }
  }
}
