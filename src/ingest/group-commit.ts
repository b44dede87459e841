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
 * Flushes of one tenant in flight at once: while one waits for its commit to reach the disk, the
 * next already writes (PostgreSQL then syncs both commits together), so a busy tenant's ACKs do
 * not queue behind a single fsync.
 */
const FLUSHES_IN_FLIGHT = 2;

/**
 * Group commit for the webhook ACK path: rows of concurrent requests for one tenant share one
 * transaction (one round trip, one fsync: see the inbox_store migration), flushed as soon as a
 * flush slot of that tenant is free. Every caller still gets its answer only after its rows are
 * durable. Two flushes carrying the same row are safe: the second waits for the first's commit
 * and reports the row as a duplicate.
 */
export class InboxGroupCommit {
  private readonly pending = new Map<string, Pending>();
  private readonly flushing = new Map<string, number>();

  constructor(private readonly dbs: RegionDatabases) {}

  /** Resolves with how many of `batch` were new (not duplicates), once they are committed. */
  add(tenant: TenantRef, batch: InboxRow[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const key = tenant.tenantId;
      const p = this.pending.get(key) ?? { tenant, rows: [], waiters: [] };
      p.waiters.push({ from: p.rows.length, to: p.rows.length + batch.length, resolve, reject });
      p.rows.push(...batch);
      this.pending.set(key, p);
      if (this.inFlight(key) < FLUSHES_IN_FLIGHT) setImmediate(() => void this.flush(key));
    });
  }

  private async flush(key: string): Promise<void> {
    const p = this.pending.get(key);
    if (!p || this.inFlight(key) >= FLUSHES_IN_FLIGHT) return;
    this.pending.delete(key);
    this.flushing.set(key, this.inFlight(key) + 1);
    try {
      // One statement outside any transaction: it commits on its own, durably.
      const inserted = await rows<{ stored_channel_id: string; stored_dedupe_key: string }>(
        this.dbs.region(p.tenant.region),
        `select * from inbox_store($1, $2, $3, $4)`,
        [p.tenant.tenantId, p.rows.map((r) => r.channelId), p.rows.map((r) => r.dedupeKey), p.rows.map((r) => r.payload)],
      );
      // Credit each new row to the first caller that brought it.
      const fresh = new Set(inserted.map((r) => `${r.stored_channel_id}\0${r.stored_dedupe_key}`));
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
      const left = this.inFlight(key) - 1;
      if (left > 0) this.flushing.set(key, left);
      else this.flushing.delete(key);
      if (this.pending.has(key)) setImmediate(() => void this.flush(key));
    }
  }

  private inFlight(key: string): number {
    return this.flushing.get(key) ?? 0;
  }
}
