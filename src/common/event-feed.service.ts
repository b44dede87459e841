import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Client, Notification } from 'pg';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import type { LoggedEvent } from './domain-event';
import { EVENT_CHANNEL, EventLogStore } from './event-log.store';

/** Events read per query while catching up. */
const PAGE = 500;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;
/** A failed read is tried again after this long (the next notification would also do it). */
const RETRY_READ_MS = 1000;
/**
 * Every followed tenant is read this often whatever the notifications say: a notification is
 * sent after its COMMIT, so an instance that dies in between leaves its last events unannounced.
 */
export const SWEEP_MS = 10_000;

type Listener = (e: LoggedEvent) => void;

/** One tenant's events as this instance passes them on, for as long as someone here follows them. */
interface TenantFeed {
  tenant: TenantRef;
  /** The last number passed on; null until the head was read (events before it are not this feed's). */
  cursor: number | null;
  listeners: Set<Listener>;
  reading: boolean;
  /** Something moved while reading: read again. */
  again: boolean;
  /** Resolves once the cursor is set. */
  ready: Promise<void>;
  started: () => void;
}

export interface FeedSubscription {
  /** Resolves once the feed passes on everything after the tenant's head as read from now on. */
  ready: Promise<void>;
  unsubscribe(): void;
}

/**
 * Passes each tenant's committed events, from the region's event log, to whoever on this
 * instance follows that tenant, whichever instance wrote them. One dedicated connection per
 * region LISTENs for the log's notifications (region, tenant and number only, sent by the
 * committing instance right after COMMIT); a notification for a followed tenant reads the log
 * after the last number passed on, so nothing is skipped or repeated however notifications
 * arrive, and a sweep reads every followed tenant every SWEEP_MS for those never sent. Events committed by this instance are passed on
 * from memory when they are the next numbers, without a read (the common case, and as fast as
 * the old in-process bus). After a lost connection, every followed tenant is read again.
 */
@Injectable()
export class EventFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(EventFeed.name);
  private readonly feeds = new Map<string, TenantFeed>();
  private readonly connections = new Map<string, Client>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly store: EventLogStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.dbs.regions().map((region) => this.listen(region, RECONNECT_MIN_MS)));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Reads every followed tenant once (see SWEEP_MS). */
  sweep(): void {
    for (const feed of this.feeds.values()) if (feed.cursor !== null && !feed.reading) void this.read(feed);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.connections.values()].map((c) => c.end().catch(() => undefined)));
    this.connections.clear();
  }

  /**
   * Passes on the tenant's events committed from about now (after the head is read; a client
   * that needs the ones before resumes from an id, see EventReplay). Answers the unsubscribe.
   */
  subscribe(tenant: TenantRef, listener: Listener): FeedSubscription {
    const key = keyOf(tenant);
    let feed = this.feeds.get(key);
    if (!feed) {
      let started = () => {};
      const ready = new Promise<void>((resolve) => (started = resolve));
      feed = { tenant, cursor: null, listeners: new Set(), reading: false, again: false, ready, started };
      this.feeds.set(key, feed);
      void this.start(feed);
    }
    feed.listeners.add(listener);
    const mine = feed;
    return {
      ready: mine.ready,
      unsubscribe: () => {
        mine.listeners.delete(listener);
        if (mine.listeners.size === 0 && this.feeds.get(key) === mine) this.feeds.delete(key);
      },
    };
  }

  /**
   * Events this instance just committed (their numbers are final and everything before them is
   * committed). The next numbers go on at once, even while a read is in flight (the sweep reads
   * every tenant every SWEEP_MS): that read passes on only what is past the cursor when it ends.
   */
  committed(tenant: TenantRef, events: readonly LoggedEvent[]): void {
    const feed = this.feeds.get(keyOf(tenant));
    if (!feed || events.length === 0) return;
    if (feed.cursor !== null && events[0].seq === feed.cursor + 1) {
      for (const e of events) this.pass(feed, e);
      return;
    }
    if (feed.cursor === null || events[events.length - 1].seq > feed.cursor) void this.read(feed);
  }

  private async start(feed: TenantFeed): Promise<void> {
    if (this.feeds.get(keyOf(feed.tenant)) !== feed) return;
    feed.reading = true;
    try {
      feed.cursor = (await this.store.head(feed.tenant)).lastSeq;
    } catch (err) {
      this.log.warn(`events of tenant ${feed.tenant.tenantId}: head not read: ${(err as Error).message}`);
      feed.reading = false;
      if (this.feeds.get(keyOf(feed.tenant)) === feed) this.later(() => void this.start(feed));
      return;
    }
    feed.reading = false;
    feed.started();
    if (feed.again) await this.read(feed);
  }

  private notified(region: string, m: Notification): void {
    const [from, tenantId, seq] = (m.payload ?? '').split(':');
    if (from !== region) return;
    const feed = this.feeds.get(`${region}:${tenantId}`);
    if (!feed) return;
    if (feed.cursor === null || feed.reading) feed.again = true;
    else if (Number(seq) > feed.cursor) void this.read(feed);
  }

  /** Reads and passes on everything after the cursor; one read at a time per tenant, again while something moved meanwhile. */
  private async read(feed: TenantFeed): Promise<void> {
    if (this.feeds.get(keyOf(feed.tenant)) !== feed) return; // nobody follows it any more
    if (feed.reading || feed.cursor === null) {
      feed.again = true;
      return;
    }
    feed.reading = true;
    try {
      do {
        feed.again = false;
        const events = await this.store.after(feed.tenant, feed.cursor, PAGE);
        for (const e of events) if (e.seq > feed.cursor) this.pass(feed, e);
        if (events.length === PAGE) feed.again = true;
      } while (feed.again && feed.listeners.size > 0);
    } catch (err) {
      this.log.warn(`events of tenant ${feed.tenant.tenantId}: not read: ${(err as Error).message}`);
      this.later(() => void this.read(feed));
    } finally {
      feed.reading = false;
    }
  }

  private pass(feed: TenantFeed, e: LoggedEvent): void {
    feed.cursor = e.seq;
    for (const listener of [...feed.listeners]) {
      try {
        listener(e);
      } catch (err) {
        this.log.error(`a follower of tenant ${feed.tenant.tenantId} failed on event ${e.id}: ${(err as Error).message}`);
      }
    }
  }

  private async listen(region: string, delayMs: number): Promise<void> {
    if (this.stopped) return;
    let client: Client | undefined;
    try {
      client = await this.dbs.connect(region);
      const c = client;
      let lost = false;
      const reconnect = (why: string) => {
        if (lost || this.stopped) return;
        lost = true;
        if (this.connections.get(region) === c) this.connections.delete(region);
        this.log.warn(`region ${region}: event notifications lost (${why}); reconnecting`);
        void c.end().catch(() => undefined);
        this.later(() => void this.listen(region, RECONNECT_MIN_MS), RECONNECT_MIN_MS);
      };
      c.on('notification', (m) => this.notified(region, m));
      c.on('error', (err) => reconnect(err.message));
      c.on('end', () => reconnect('connection ended'));
      await c.query(`listen ${EVENT_CHANNEL}`);
      if (this.stopped) return void c.end().catch(() => undefined);
      this.connections.set(region, c);
    } catch (err) {
      void client?.end().catch(() => undefined);
      this.log.warn(`region ${region}: cannot listen for events (${(err as Error).message}); trying again`);
      const next = Math.min(RECONNECT_MAX_MS, delayMs * 2);
      this.later(() => void this.listen(region, next), delayMs);
      return;
    }
    // Whatever was committed while nobody listened is read now.
    for (const feed of this.feeds.values()) if (feed.tenant.region === region) void this.read(feed);
  }

  private later(fn: () => void, ms = RETRY_READ_MS): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }
}

const keyOf = (t: TenantRef) => `${t.region}:${t.tenantId}`;
