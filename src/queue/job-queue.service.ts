import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';

/** Must match the check constraint on queue.jobs.kind. */
export type JobKind = 'inbound' | 'outbound' | 'webhook' | 'termination' | 'crm' | 'media';

export interface ClaimedJob {
  id: string;
  tenantId: string;
  refId: string;
  attempts: number;
}

/** Exponential backoff with jitter: 2 s, 4 s, 8 s ... capped at 15 minutes. */
export function backoffMs(attempts: number): number {
  const base = Math.min(15 * 60_000, 1000 * 2 ** Math.max(1, attempts));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * The region's work queue, and the only code that reads or writes `queue.jobs` (besides the
 * inbox_store function of the webhook ACK path, which queues its events in the same statement).
 * Claims take a lease with FOR UPDATE SKIP LOCKED, so any number of app instances share the work
 * without taking the same job twice.
 */
@Injectable()
export class JobQueue {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly config: AppConfig,
  ) {}

  /**
   * The refs of a tenant's queued jobs of `kind`, as a subquery on the tenant id `$1` (for a list
   * that starts from what is queued, like the pending inbound events).
   */
  static queuedRefs(kind: JobKind): string {
    return `(select ref_id from queue.jobs where kind = '${kind}' and tenant_id = $1)`;
  }

  async claim(region: string, kind: JobKind, limit: number): Promise<ClaimedJob[]> {
    // A lease lost in a crash only makes the job claimable again: replayable work claims without
    // waiting for the disk (see RegionDatabases.forWork).
    const claimed = await rows<{ id: string; tenant_id: string; ref_id: string; attempts: number }>(
      this.dbs.forWork(region),
      `update queue.jobs set leased_until = now() + make_interval(secs => $3), attempts = attempts + 1
       where id in (
         select id from queue.jobs
         where kind = $1 and available_at <= now() and (leased_until is null or leased_until < now())
         order by available_at, id limit $2 for update skip locked)
       returning id, tenant_id, ref_id, attempts`,
      [kind, limit, this.config.workerLeaseSeconds],
    );
    return claimed.map((r) => ({ id: String(r.id), tenantId: r.tenant_id, refId: r.ref_id, attempts: r.attempts }));
  }

  /** Removes a finished job, inside the transaction that records the result. */
  async complete(tx: EntityManager, jobId: string): Promise<void> {
    await tx.query(`delete from queue.jobs where id = $1`, [jobId]);
  }

  async completeMany(tx: EntityManager, jobIds: string[]): Promise<void> {
    await tx.query(`delete from queue.jobs where id = any($1::bigint[])`, [jobIds]);
  }

  /** Hands a claimed job back, to be claimed again after `delayMs`. */
  async retryLater(region: string, jobId: string, delayMs: number): Promise<void> {
    await this.retryLaterIn(this.dbs.region(region), jobId, delayMs);
  }

  /** The same, inside the transaction that records why (one round trip less). */
  async retryLaterIn(db: Pick<EntityManager, 'query'>, jobId: string, delayMs: number): Promise<void> {
    await db.query(`update queue.jobs set leased_until = null, available_at = now() + make_interval(secs => $2) where id = $1`, [jobId, delayMs / 1000]);
  }

  /** Queues work on `refId`, in the transaction that made it: an outbox, never a job without its row or the reverse. */
  async enqueue(tx: EntityManager, kind: JobKind, tenantId: string, refId: string): Promise<void> {
    await tx.query(
      `insert into queue.jobs (kind, tenant_id, ref_id) values ($1, $2, $3)
       on conflict (kind, tenant_id, ref_id) do update set available_at = now(), leased_until = null, attempts = 0`,
      [kind, tenantId, refId],
    );
  }

  /** Drops the queued work on these refs (what it was about is gone); answers how many jobs there were. */
  async discard(tx: EntityManager, kind: JobKind, tenantId: string, refIds: readonly string[]): Promise<number> {
    if (refIds.length === 0) return 0;
    return (await rows(tx, `delete from queue.jobs where tenant_id = $1 and kind = $2 and ref_id = any($3::uuid[]) returning id`, [tenantId, kind, refIds]))
      .length;
  }

  /** Drops every job of the tenant except those of `keep` (an organization being purged). */
  async discardTenant(tx: EntityManager, tenantId: string, keep: JobKind): Promise<void> {
    await tx.query(`delete from queue.jobs where tenant_id = $1 and kind <> $2`, [tenantId, keep]);
  }
}
