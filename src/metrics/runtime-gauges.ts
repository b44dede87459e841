import { Injectable, OnModuleInit } from '@nestjs/common';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { SseConnections } from '../events/sse-connections.service';
import type { JobKind } from '../queue/job-queue.service';
import { Metrics } from './metrics.service';

/** Reported even when empty, so a dashboard shows 0 rather than no series. */
const JOB_KINDS: readonly JobKind[] = ['inbound', 'outbound', 'webhook', 'termination', 'crm', 'media', 'meta_matching'];

interface QueueRow {
  kind: string;
  due: number;
  leased: number;
  delayed: number;
  oldest_due: number | null;
}

/**
 * What is read when /metrics is scraped: the work queue per region and kind (one grouped
 * statement per region), the open SSE streams, and the connection pools.
 */
@Injectable()
export class RuntimeGauges implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly dbs: RegionDatabases,
    private readonly sse: SseConnections,
  ) {}

  /** One read of the queue serves both of its gauges in a scrape (prom-client collects them side by side). */
  private reading?: Promise<Map<string, QueueRow[]>>;

  onModuleInit(): void {
    this.metrics.gauge(
      'mm_queue_jobs',
      'Queued jobs by region, kind and state (due: waiting for a worker, leased: being worked on, delayed: retrying later)',
      ['region', 'kind', 'state'],
      async (set) => {
        for (const [region, kinds] of await this.queue()) {
          for (const kind of JOB_KINDS) {
            const r = kinds.find((k) => k.kind === kind);
            for (const state of ['due', 'leased', 'delayed'] as const) set({ region, kind, state }, Number(r?.[state] ?? 0));
          }
        }
      },
    );
    this.metrics.gauge(
      'mm_queue_oldest_due_seconds',
      'Processing lag: how long the oldest due job of a kind has waited for a worker (0 when none waits)',
      ['region', 'kind'],
      async (set) => {
        for (const [region, kinds] of await this.queue())
          for (const kind of JOB_KINDS) set({ region, kind }, Number(kinds.find((k) => k.kind === kind)?.oldest_due ?? 0));
      },
    );
    this.metrics.gauge('mm_sse_clients', 'Open server-sent event streams on this instance (agents and web chat visitors)', [], (set) =>
      set({}, this.sse.count()),
    );
    this.metrics.gauge(
      'mm_db_pool_connections',
      'Database connections of this instance by region, pool (api, work) and state',
      ['region', 'pool', 'state'],
      (set) => {
        for (const p of this.dbs.poolUsage()) {
          set({ region: p.region, pool: p.pool, state: 'max' }, p.max);
          set({ region: p.region, pool: p.pool, state: 'open' }, p.total);
          set({ region: p.region, pool: p.pool, state: 'idle' }, p.idle);
          set({ region: p.region, pool: p.pool, state: 'waiting' }, p.waiting);
        }
      },
    );
  }

  private queue(): Promise<Map<string, QueueRow[]>> {
    if (!this.reading) {
      const read = async () => new Map(await Promise.all(this.dbs.regions().map(async (r) => [r, await this.queueOf(r)] as const)));
      this.reading = read().finally(() => (this.reading = undefined));
    }
    return this.reading;
  }

  private queueOf(region: string): Promise<QueueRow[]> {
    return rows<QueueRow>(
      this.dbs.region(region),
      `select kind,
         count(*) filter (where leased_until > now())::int as leased,
         count(*) filter (where available_at > now() and (leased_until is null or leased_until <= now()))::int as delayed,
         count(*) filter (where available_at <= now() and (leased_until is null or leased_until <= now()))::int as due,
         extract(epoch from now() - min(available_at) filter (where available_at <= now() and (leased_until is null or leased_until <= now())))::float8 as oldest_due
       from queue.jobs group by kind`,
    );
  }
}
