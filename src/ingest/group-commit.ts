import { Logger } from '@nestjs/common';
import { DomainError, invalid, type TenantRef } from '../../libs/domain/src';
import { isDatabaseDown, sqlState } from '../database/database-errors';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';

export interface InboxRow {
  channelId: string;
  dedupeKey: string;
  payload: string;
}

interface Waiter {
  from: number;
  to: number;
  resolve: (stored: number) => void;
  reject: (err: unknown) => void;
}

/** A row of the flush with the tenant it belongs to: one flush carries a region's rows of every tenant. */
interface TenantRow extends InboxRow {
  tenantId: string;
}

interface Pending {
  region: string;
  rows: TenantRow[];
  waiters: Waiter[];
}

/**
 * Flushes of one region in flight at once: while one waits for its commit to reach the disk, the
 * next already writes (PostgreSQL then syncs both commits together), so ACKs do not queue behind a
 * single fsync. Few, so that each flush carries many rows and the pool keeps connections for the API.
 */
const FLUSHES_IN_FLIGHT = 2;

const rowKey = (r: InboxRow) => `${r.channelId}\0${r.dedupeKey}`;

/** A deadlock or serialization failure (class 40), or a lock not available: trying again may work. */
const isTransient = (err: unknown) => /^40|^55P03$/.test(sqlState(err) ?? '');

/**
 * Group commit for the webhook ACK path: rows of concurrent requests of a region, whichever
 * tenants they belong to, share one statement (one round trip, one fsync: see the
 * inbox_store_many migration; each tenant's rows are still written under its own row-level
 * security setting), flushed as soon as a flush slot of that region is free. Every caller still
 * gets its answer only after its rows are durable. Two flushes carrying the same row are safe: the
 * second waits for the first's commit and reports the row as a duplicate.
 *
 * One caller's row must never fail another's request: when the shared statement fails (other than
 * for a lost database, which fails everyone with the 503 it deserves), nothing of it was written,
 * and the rows are stored again in halves, down to the row that fails on its own. Only the callers
 * of such rows get an error, a 4xx; the others get their answer as if nothing had happened.
 */
export class InboxGroupCommit {
  private readonly log = new Logger(InboxGroupCommit.name);
  private readonly pending = new Map<string, Pending>();
  private readonly flushing = new Map<string, number>();

  constructor(private readonly dbs: RegionDatabases) {}

  /** Resolves with how many of `batch` were new (not duplicates), once they are committed. */
  add(tenant: TenantRef, batch: InboxRow[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const key = tenant.region;
      const p = this.pending.get(key) ?? { region: tenant.region, rows: [], waiters: [] };
      p.waiters.push({ from: p.rows.length, to: p.rows.length + batch.length, resolve, reject });
      for (const r of batch) p.rows.push({ ...r, tenantId: tenant.tenantId });
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
      const failed = new Map<number, unknown>();
      const fresh = await this.store(p.region, p.rows, 0, failed);
      // Credit each new row to the first caller that brought it; a caller with a failed row gets that error.
      for (const w of p.waiters) {
        let n = 0;
        let error: unknown;
        for (let i = w.from; i < w.to; i++) {
          if (failed.has(i)) error ??= failed.get(i);
          else if (fresh.delete(rowKey(p.rows[i]))) n++;
        }
        if (error === undefined) w.resolve(n);
        else w.reject(error);
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

  /**
   * Stores `batch` (rows `offset`... of the flush) and returns the keys of the rows that were new.
   * A row that cannot be stored even on its own is recorded in `failed` (by its index in the
   * flush) with the error its caller gets. Throws only when the database is out of reach.
   */
  private async store(region: string, batch: TenantRow[], offset: number, failed: Map<number, unknown>, retried = false): Promise<Set<string>> {
    try {
      // One statement outside any transaction: it commits on its own, durably.
      const inserted = await rows<{ stored_channel_id: string; stored_dedupe_key: string }>(
        this.dbs.region(region),
        `select * from inbox_store_many($1, $2, $3, $4)`,
        [batch.map((r) => r.tenantId), batch.map((r) => r.channelId), batch.map((r) => r.dedupeKey), batch.map((r) => r.payload)],
      );
      return new Set(inserted.map((r) => `${r.stored_channel_id}\0${r.stored_dedupe_key}`));
    } catch (err) {
      if (isDatabaseDown(err)) throw err;
      if (batch.length === 1) {
        // A deadlock with a concurrent flush of the same rows resolves itself: one more try.
        if (isTransient(err) && !retried) return this.store(region, batch, offset, failed, true);
        this.log.warn(`inbox row of channel ${batch[0].channelId} not stored: ${sqlState(err) ?? ''} ${(err as Error).message}`);
        const error = isTransient(err)
          ? new DomainError('unavailable', 'INBOX_BUSY', 'The item could not be stored now; retry later')
          : invalid('UNSTORABLE_ITEM', 'The item could not be stored as sent');
        // The database's reason stays with it, for callers that tell causes apart (see sqlState).
        failed.set(offset, Object.assign(error, { cause: err }));
        return new Set();
      }
      // Nothing of the failed statement was written: each half is stored on its own.
      const half = Math.ceil(batch.length / 2);
      const first = await this.store(region, batch.slice(0, half), offset, failed);
      const second = await this.store(region, batch.slice(half), offset + half, failed);
      return new Set([...first, ...second]);
    }
  }

  private inFlight(key: string): number {
    return this.flushing.get(key) ?? 0;
  }
}
