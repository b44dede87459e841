import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { Clock, CrmCallError, CrmChangeHint, CrmConnector, CrmEntity, CrmRecord, TenantRef } from '../../../../libs/domain/src';
import { AppConfig } from '../../../config/app-config';
import { RegionDatabases } from '../../../database/region-databases';
import { NotificationService } from '../../../notifications/notification.service';
import { CrmConnectionStore } from './crm-connection.store';
import { CrmConnectors } from './crm-connectors.service';
import { CrmLinksStore } from './crm-links.store';
import { CrmRecordsStore } from './crm-records.store';
import { CrmRoutes } from './crm-routes.store';
import type { TransportStats } from './crm-transport';

/** How often a connection is synced incrementally. */
export const SYNC_INTERVAL_MS = 5 * 60_000;
/** A full pass (the reconcile that finds vanished ids) at least this often per entity. */
export const RECONCILE_INTERVAL_MS = 24 * 3600_000;
/** Incremental listings start this long before the cursor: clocks and commits on the CRM's side are not exact. */
export const OVERLAP_MS = 5 * 60_000;
/** After a failed run, the next one is tried this soon. */
const RETRY_INTERVAL_MS = 60_000;
const LOCK_NAMESPACE = 'mm-crm-sync:';
/** Records one webhook may name; more is not a webhook of a real CRM. */
const MAX_HINTS_PER_WEBHOOK = 100;

export interface SyncRunSummary {
  connectionId: string;
  ran: boolean;
  /** Why it did not run, or what stopped it. */
  reason?: string;
  entities: Partial<Record<CrmEntity, { pages: number; fetched: number; written: number; tombstoned: number; error?: string }>>;
  stats: TransportStats;
}

class SyncStopped extends Error {}

const clientIdsOf = (records: CrmRecord[]) => records.flatMap((r) => (r.entity === 'client' && !r.record.deleted ? [r.record.externalId] : []));

export interface RunOptions {
  /** Run now (the API): entities the CRM lists only whole are passed through too, not only when their daily pass is due. */
  force?: boolean;
  /** A full pass of every entity now (the daily reconcile that turns vanished ids into tombstones). */
  reconcile?: boolean;
}

/** Runs this instance starts at once from the schedule (each holds a database connection for its lock). */
const MAX_SCHEDULED_RUNS = 4;

/**
 * Pulls every active CRM connection's records into crm_records. Per connection and entity a
 * stored cursor (the newest remote change seen) and the pass under way (a page token, resumed by
 * the next run after a crash or an outage); incremental listings overlap the cursor and the
 * upsert dedupes; a full pass (first sync, then daily) turns ids that vanished into tombstones.
 * One run per connection at a time across instances (a PostgreSQL advisory lock in its region);
 * every request waits for the connection's token bucket at the vendor's rate, and rate limits
 * and outages are waited out as the CRM asks. Webhook hints are read back by id.
 */
@Injectable()
export class CrmSyncEngine implements OnApplicationShutdown {
  private readonly log = new Logger(CrmSyncEngine.name);
  private readonly running = new Map<string, { abort: AbortController; done: Promise<SyncRunSummary> }>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly connections: CrmConnectionStore,
    private readonly records: CrmRecordsStore,
    private readonly connectors: CrmConnectors,
    private readonly links: CrmLinksStore,
    private readonly routes: CrmRoutes,
    private readonly notifications: NotificationService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onApplicationShutdown(): void {
    for (const r of this.running.values()) r.abort.abort();
  }

  @Cron(CronExpression.EVERY_MINUTE)
  async scheduled(): Promise<void> {
    if (!this.config.workersEnabled) return;
    await this.runDue().catch((err) => this.log.error(`CRM sync round failed: ${(err as Error).message}`));
  }

  /** Runs every connection whose next run is due (in this instance's regions). */
  async runDue(): Promise<void> {
    const now = this.clock.now();
    for (const route of await this.routes.all()) {
      if (this.running.size >= MAX_SCHEDULED_RUNS) break;
      if (!this.dbs.hasRegion(route.region) || this.running.has(route.integrationId)) continue;
      const tenant = { tenantId: route.tenantId, region: route.region };
      const due = await this.dbs.forTenant(tenant, async (tx) => {
        const c = await this.connections.find(tx, tenant.tenantId, route.integrationId);
        if (!c || c.status !== 'active') return false;
        const states = await this.records.states(tx, tenant.tenantId, route.integrationId);
        return states.length === 0 || states.some((s) => !s.nextRunAt || s.nextRunAt <= now || s.pageToken !== null);
      });
      if (due) this.track(this.start(tenant, route.integrationId));
    }
  }

  /** Starts a run in the background unless one is under way here; answers whether it started. */
  syncSoon(tenant: TenantRef, connectionId: string): boolean {
    if (this.running.has(connectionId)) return false;
    this.track(this.start(tenant, connectionId, { force: true }));
    return true;
  }

  /** A new connection's first sync, when this instance runs background work (tests drive it by hand). */
  startIfWorking(tenant: TenantRef, connectionId: string): void {
    if (this.config.workersEnabled) this.syncSoon(tenant, connectionId);
  }

  /** Stops this instance's run of the connection at once (disconnect); other instances stop at their next page. */
  stop(connectionId: string): void {
    this.running.get(connectionId)?.abort.abort();
  }

  /** Tests and tools: resolves when the background runs and hint fetches started so far are done. */
  async settled(): Promise<void> {
    while (this.background.size) await Promise.allSettled([...this.background]);
  }

  /** One run of the connection, now (waits for a run under way on this instance first). */
  async run(tenant: TenantRef, connectionId: string, opts: RunOptions = {}): Promise<SyncRunSummary> {
    const under = this.running.get(connectionId);
    if (under) await under.done.catch(() => undefined);
    return this.start(tenant, connectionId, opts);
  }

  private track<T>(p: Promise<T>): void {
    const tracked = p.catch((err) => this.log.error(`CRM sync: ${(err as Error).message}`)).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private start(tenant: TenantRef, connectionId: string, opts: RunOptions = {}): Promise<SyncRunSummary> {
    const abort = new AbortController();
    const done = this.locked(tenant, connectionId, abort.signal, opts).finally(() => this.running.delete(connectionId));
    this.running.set(connectionId, { abort, done });
    return done;
  }

  private async locked(tenant: TenantRef, connectionId: string, signal: AbortSignal, opts: RunOptions): Promise<SyncRunSummary> {
    const summary: SyncRunSummary = { connectionId, ran: false, entities: {}, stats: { requests: 0, throttled: 0 } };
    const lock = this.dbs.region(tenant.region).createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = await lock.query(`select pg_try_advisory_lock(hashtextextended($1, 0)) as locked`, [LOCK_NAMESPACE + connectionId]);
      if (!locked) return { ...summary, reason: 'a run is under way on another instance' };
      try {
        return await this.runLocked(tenant, connectionId, signal, summary, opts);
      } finally {
        await lock.query(`select pg_advisory_unlock(hashtextextended($1, 0))`, [LOCK_NAMESPACE + connectionId]);
      }
    } finally {
      await lock.release();
    }
  }

  private async runLocked(tenant: TenantRef, connectionId: string, signal: AbortSignal, summary: SyncRunSummary, opts: RunOptions): Promise<SyncRunSummary> {
    const c = await this.dbs.forTenant(tenant, (tx) => this.connections.withSecrets(tx, tenant.tenantId, connectionId));
    if (!c || c.status !== 'active') return { ...summary, reason: c ? `the integration is ${c.status}` : 'no such integration' };
    const opened = this.connectors.open(tenant, c);
    if (!opened) return { ...summary, reason: 'the integration kind is not available' };
    summary.ran = true;
    const { connector, transport } = opened;
    try {
      for (const entity of Object.keys(connector.capabilities.entities) as CrmEntity[]) {
        if (signal.aborted) break;
        summary.entities[entity] = { pages: 0, fetched: 0, written: 0, tombstoned: 0 };
        try {
          await this.syncEntity(tenant, connectionId, connector, entity, signal, summary.entities[entity]!, opts);
        } catch (err) {
          if (err instanceof SyncStopped) {
            summary.reason = err.message;
            break;
          }
          const message = err instanceof CrmCallError ? err.message : `internal error: ${(err as Error).message}`;
          summary.entities[entity]!.error = message;
          await this.dbs.forTenant(tenant, (tx) =>
            this.records.noteError(tx, tenant.tenantId, connectionId, entity, message, new Date(this.clock.now().getTime() + RETRY_INTERVAL_MS)),
          );
          if (err instanceof CrmCallError && err.failure === 'unauthorized') {
            await this.pause(tenant, connectionId, c.name, message);
            summary.reason = 'paused: the CRM no longer accepts the credentials';
            break;
          }
          if (!(err instanceof CrmCallError)) this.log.error(`CRM sync of ${connectionId} ${entity}: ${(err as Error).stack}`);
        }
      }
    } finally {
      summary.stats = { ...transport.stats };
    }
    return summary;
  }

  private async syncEntity(
    tenant: TenantRef,
    connectionId: string,
    connector: CrmConnector,
    entity: CrmEntity,
    signal: AbortSignal,
    tally: { pages: number; fetched: number; written: number; tombstoned: number },
    opts: RunOptions,
  ): Promise<void> {
    const t = tenant.tenantId;
    const mode = connector.capabilities.entities[entity]!;
    const now = this.clock.now();
    const state = await this.dbs.forTenant(tenant, async (tx) => {
      const s = await this.records.state(tx, t, connectionId, entity);
      if (s.passStartedAt) return s; // a pass under way: resume it
      const reconcileDue = opts.reconcile === true || !s.lastFullPassAt || now.getTime() - s.lastFullPassAt.getTime() >= RECONCILE_INTERVAL_MS;
      const force = opts.force === true;
      // An entity the CRM lists only whole is passed through daily, or when asked to (run now).
      if (mode === 'full' && !reconcileDue && !force) return null;
      const full = mode === 'full' || s.cursor === null || reconcileDue;
      await this.records.startPass(tx, t, connectionId, entity, full, now);
      return { ...s, passStartedAt: now, passFull: full, pageToken: null };
    });
    if (!state) return;
    const since = state.passFull || !state.cursor ? null : new Date(state.cursor.getTime() - OVERLAP_MS);
    // The next page is asked for while this one is stored, so the vendor's rate limit, not our
    // writes, sets the pace. A prefetched page is dropped if storing fails: the stored page token
    // asks for it again on resume.
    const fetchPage = (pageToken: string | null) => {
      const fetched = connector.list({ entity, since, pageToken });
      fetched.catch(() => undefined);
      return fetched;
    };
    let next = fetchPage(state.pageToken);
    for (;;) {
      if (signal.aborted) throw new SyncStopped('stopped: the integration was disconnected');
      const page = await next;
      if (page.nextPageToken) next = fetchPage(page.nextPageToken);
      const seenAt = this.clock.now();
      const watermark = page.records.reduce<Date | null>(
        (max, r) => (r.record.remoteUpdatedAt && (!max || r.record.remoteUpdatedAt > max) ? r.record.remoteUpdatedAt : max),
        null,
      );
      const written = await this.dbs.forTenant(tenant, async (tx) => {
        // Disconnected meanwhile (perhaps on another instance): nothing more is stored.
        const c = await this.connections.find(tx, t, connectionId);
        if (!c || c.status !== 'active') throw new SyncStopped(`stopped: the integration is ${c?.status ?? 'gone'}`);
        const n = await this.records.upsert(tx, t, connectionId, page.records, seenAt);
        await this.links.linkClients(tx, t, connectionId, clientIdsOf(page.records));
        await this.records.notePage(tx, t, connectionId, entity, {
          pageToken: page.nextPageToken,
          watermark,
          fetched: page.records.length,
          written: n,
          at: seenAt,
        });
        return n;
      });
      tally.pages++;
      tally.fetched += page.records.length;
      tally.written += written;
      if (!page.nextPageToken) break;
    }
    const finished = this.clock.now();
    tally.tombstoned += await this.dbs.forTenant(tenant, (tx) =>
      this.records.finishPass(tx, t, connectionId, entity, finished, new Date(finished.getTime() + SYNC_INTERVAL_MS)),
    );
  }

  /** The CRM no longer accepts the credentials: paused (never silently) until the Customer reconnects. */
  async pause(tenant: TenantRef, connectionId: string, name: string, reason: string): Promise<void> {
    const notification = await this.dbs.forTenant(tenant, async (tx) => {
      const c = await this.connections.find(tx, tenant.tenantId, connectionId, true);
      if (!c || c.status !== 'active') return null;
      await this.connections.setStatus(tx, tenant.tenantId, connectionId, 'paused', reason.slice(0, 500));
      return this.notifications.record(tx, tenant, {
        kind: 'crm_integration_paused',
        message: `The CRM integration "${name}" is paused: ${reason.slice(0, 300)}. Reconnect it with new credentials to resume the sync.`,
      });
    });
    if (notification) this.notifications.announce(tenant, notification);
  }

  /**
   * A CRM webhook for the connection (its secret already checked): the connector reads the body
   * into hints, each read back from the CRM in the background. Answers how many were taken; a
   * disconnected or paused connection takes none.
   */
  async receiveWebhook(tenant: TenantRef, connectionId: string, body: unknown, contentType: string | undefined): Promise<number> {
    const c = await this.dbs.forTenant(tenant, (tx) => this.connections.withSecrets(tx, tenant.tenantId, connectionId));
    if (!c || c.status !== 'active') return 0;
    const opened = this.connectors.open(tenant, c);
    if (!opened) return 0;
    const hints = opened.connector.parseWebhook(body, contentType).slice(0, MAX_HINTS_PER_WEBHOOK);
    this.applyHints(tenant, connectionId, hints);
    return hints.length;
  }

  /** A CRM webhook's hints: each named record is read back from the CRM (the body is never trusted for content). */
  applyHints(tenant: TenantRef, connectionId: string, hints: CrmChangeHint[]): void {
    if (hints.length) this.track(this.fetchHinted(tenant, connectionId, hints));
  }

  private async fetchHinted(tenant: TenantRef, connectionId: string, hints: CrmChangeHint[]): Promise<void> {
    const c = await this.dbs.forTenant(tenant, (tx) => this.connections.withSecrets(tx, tenant.tenantId, connectionId));
    if (!c || c.status !== 'active') return;
    const opened = this.connectors.open(tenant, c);
    if (!opened) return;
    const seen = new Set<string>();
    for (const hint of hints) {
      const key = `${hint.entity}:${hint.externalId}`;
      if (seen.has(key) || !opened.connector.capabilities.entities[hint.entity]) continue;
      seen.add(key);
      try {
        const record = await opened.connector.get(hint.entity, hint.externalId);
        const at = this.clock.now();
        await this.dbs.forTenant(tenant, async (tx) => {
          const now = await this.connections.find(tx, tenant.tenantId, connectionId);
          if (!now || now.status !== 'active') return;
          if (record) {
            await this.records.upsert(tx, tenant.tenantId, connectionId, [record], at);
            await this.links.linkClients(tx, tenant.tenantId, connectionId, clientIdsOf([record]));
          } else await this.records.tombstone(tx, tenant.tenantId, connectionId, hint.entity, hint.externalId, at);
        });
      } catch (err) {
        // The next incremental run (or the nightly full pass) picks the change up anyway.
        if (err instanceof CrmCallError && err.failure === 'unauthorized') await this.pause(tenant, connectionId, c.name, err.message);
        this.log.warn(`CRM webhook hint ${key} of ${connectionId}: ${(err as Error).message}`);
      }
    }
  }
}
