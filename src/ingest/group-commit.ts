import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';

export interface InboxRow {
  channelId: string;
  dedupeKey: string;
  payload: string;
}

interface Pending {
  tenant: TenantRef;
  rows: InboxRow[];
  waiters: Array<{ from: number; to: number; resolve: (stored: number) => void; reject: (err: unknown) => void }>;
}

/**
 * Group commit for the webhook ACK path: rows of concurrent requests for one tenant share one
 * transaction (one BEGIN, one fsync), flushed as soon as the previous flush for that tenant is
 * done. Every caller still gets its answer only after its rows are durable.
 */
export class InboxGroupCommit {
  private readonly pending = new Map<string, Pending>();
  private readonly flushing = new Set<string>();

  constructor(private readonly dbs: RegionDatabases) {}

  /** Resolves with how many of `batch` were new (not duplicates), once they are committed. */
  add(tenant: TenantRef, batch: InboxRow[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const key = tenant.tenantId;
      const p = this.pending.get(key) ?? { tenant, rows: [], waiters: [] };
      p.waiters.push({ from: p.rows.length, to: p.rows.length + batch.length, resolve, reject });
      p.rows.push(...batch);
      this.pending.set(key, p);
      if (!this.flushing.has(key)) setImmediate(() => void this.flush(key));
    });
  }

  private async flush(key: string): Promise<void> {
    const p = this.pending.get(key);
    if (!p || this.flushing.has(key)) return;
    this.pending.delete(key);
    this.flushing.add(key);
    try {
      const inserted = await this.dbs.forTenant(p.tenant, (tx) =>
        rows<{ channel_id: string; dedupe_key: string }>(
          tx,
          `with ins as (
             insert into inbound_events (tenant_id, channel_id, dedupe_key, payload)
             select $1, channel_id, dedupe_key, payload::jsonb
             from unnest($2::uuid[], $3::text[], $4::text[]) as t(channel_id, dedupe_key, payload)
             on conflict (tenant_id, channel_id, dedupe_key) do nothing
             returning id, channel_id, dedupe_key),
           jobs as (insert into queue.jobs (kind, tenant_id, ref_id) select 'inbound', $1, id from ins)
           select channel_id, dedupe_key from ins`,
          [p.tenant.tenantId, p.rows.map((r) => r.channelId), p.rows.map((r) => r.dedupeKey), p.rows.map((r) => r.payload)],
        ),
      );
      // Credit each new row to the first caller that brought it.
      const fresh = new Set(inserted.map((r) => `${r.channel_id}\0${r.dedupe_key}`));
      for (const w of p.waiters) {
        let n = 0;
        for (let i = w.from; i < w.to; i++) {
          const k = `${p.rows[i].channelId}\0${p.rows[i].dedupeKey}`;
          if (fresh.delete(k)) n++;
        }
        w.resolve(n);
      }
    } catch (err) {
      for (const w of p.waiters) w.reject(err);
    } finally {
      this.flushing.delete(key);
      if (this.pending.has(key)) setImmediate(() => void this.flush(key));
    }
  }
}
