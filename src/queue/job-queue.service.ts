import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';

/** Must match the check constraint on queue.jobs.kind. */
export type JobKind = 'inbound' | 'outbound' | 'webhook' | 'termination' | 'crm' | 'media' | 'meta_matching';

export interface ClaimedJob {
  id: string;
  tenantId: string;
  refId: string;
  attempts: number;
  /** The claim's lease id: ending, renewing or handing back the job only works while it is still this. */
  lease?: string;
}

/** Ends a job, or a job's batch, by its id alone (unfenced) or as claimed (fenced by its lease). */
type JobRef = ClaimedJob | string;
const idOf = (job: JobRef) => (typeof job === 'string' ? job : job.id);
const leaseOf = (job: JobRef) => (typeof job === 'string' ? null : (job.lease ?? null));

/**
 * The job's lease ran out and another claim took it (this worker stalled, or lost the database
 * for a while): whatever this worker did is not recorded, so the job is not completed twice.
 */
export class LeaseLost extends Error {
  constructor(jobIds: readonly string[]) {
    super(`lease lost on job${jobIds.length > 1 ? 's' : ''} ${jobIds.join(', ')}: another worker has taken it over`);
    this.name = 'LeaseLost';
  }
}

/** Orders two job ids (bigints, as the driver answers them: decimal strings) as numbers. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Exponential backoff with jitter: 2 s, 4 s, 8 s ... capped at 15 minutes. */
export function backoffMs(attempts: number): number {
  const base = Math.min(15 * 60_000, 1000 * 2 ** Math.max(1, attempts));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * The region's work queue, and the only code that reads or writes `queue.jobs` (besides the
 * inbox_store_many function of the webhook ACK path, which queues its events in the same statement).
 * Claims take a lease with FOR UPDATE SKIP LOCKED, so any number of app instances share the work
 * without taking the same job twice. Leases are short (WORKER_LEASE_SECONDS, 10 s by default) and
 * renewed while the work runs (QueueWorker's heartbeat), so the jobs of a killed instance are
 * taken over within about a lease; each claim gets a fresh lease id, which fences the old holder.
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

  /**
   * Leases up to `limit` due jobs of `kind`, the longest due first, and answers them in that
   * order: arrival order (available_at, then id), which workers keep for work that depends on it.
   */
  async claim(region: string, kind: JobKind, limit: number): Promise<ClaimedJob[]> {
    // A lease lost in a crash only makes the job claimable again: replayable work claims without
    // waiting for the disk (see RegionDatabases.forWork).
    const claimed = await rows<{ id: string; tenant_id: string; ref_id: string; attempts: number; lease: string; available_at: Date }>(
      this.dbs.forWork(region),
      `update queue.jobs set leased_until = now() + make_interval(secs => $3), attempts = attempts + 1, lease = gen_random_uuid()
       where id in (
         select id from queue.jobs
         where kind = $1 and available_at <= now() and (leased_until is null or leased_until < now())
         order by available_at, id limit $2 for update skip locked)
       returning id, tenant_id, ref_id, attempts, lease, available_at`,
      [kind, limit, this.config.workerLeaseSeconds],
    );
    // The subquery's ORDER BY picks the jobs; RETURNING answers them in the order the UPDATE wrote
    // them (a hash of the ids, in the usual plan): sorted again here.
    return claimed
      .sort((a, b) => a.available_at.getTime() - b.available_at.getTime() || compareIds(String(a.id), String(b.id)))
      .map((r) => ({ id: String(r.id), tenantId: r.tenant_id, refId: r.ref_id, attempts: r.attempts, lease: r.lease }));
  }

  /**
   * Extends the leases of jobs still being worked on; answers the ids whose lease this worker
   * still holds (a job already ended, or taken over, is simply not among them).
   */
  async renew(region: string, jobs: readonly ClaimedJob[]): Promise<string[]> {
    const held = jobs.filter((j) => j.lease);
    if (held.length === 0) return [];
    const renewed = await rows<{ id: string }>(
      this.dbs.region(region),
      `update queue.jobs j set leased_until = now() + make_interval(secs => $3)
       from unnest($1::bigint[], $2::uuid[]) as h(id, lease) where j.id = h.id and j.lease = h.lease
       returning j.id`,
      [held.map((j) => j.id), held.map((j) => j.lease), this.config.workerLeaseSeconds],
    );
    return renewed.map((r) => String(r.id));
  }

  /**
   * Removes a finished job, inside the transaction that records the result. A claimed job is
   * removed only under its lease: if another worker took it over meanwhile, LeaseLost rolls back
   * the transaction, so the result is recorded once, by the holder.
   */
  async complete(tx: EntityManager, job: JobRef): Promise<void> {
    await this.completeMany(tx, [job]);
  }

  async completeMany(tx: EntityManager, jobs: readonly JobRef[]): Promise<void> {
    if (jobs.length === 0) return;
    const removed = await rows<{ id: string }>(
      tx,
      `delete from queue.jobs j using unnest($1::bigint[], $2::uuid[]) as h(id, lease)
       where j.id = h.id and (h.lease is null or j.lease = h.lease) returning j.id`,
      [jobs.map(idOf), jobs.map(leaseOf)],
    );
    if (removed.length === jobs.length) return;
    const gone = new Set(removed.map((r) => String(r.id)));
    const lost = jobs.filter((j) => leaseOf(j) !== null && !gone.has(idOf(j))).map(idOf);
    // An unfenced job already gone was ended by someone else (a discard): nothing to protect.
    if (lost.length > 0) throw new LeaseLost(lost);
  }

  /** Hands a claimed job back, to be claimed again after `delayMs`. */
  async retryLater(region: string, job: JobRef, delayMs: number): Promise<void> {
    await this.retryLaterIn(this.dbs.region(region), job, delayMs);
  }

  /** The same, inside the transaction that records why (one round trip less). A job taken over meanwhile is left to its new holder. */
  async retryLaterIn(db: Pick<EntityManager, 'query'>, job: JobRef, delayMs: number): Promise<void> {
    await db.query(
      `update queue.jobs set leased_until = null, lease = null, available_at = now() + make_interval(secs => $2)
       where id = $1 and ($3::uuid is null or lease = $3)`,
      [idOf(job), delayMs / 1000, leaseOf(job)],
    );
  }

  /**
   * Hands claimed jobs back without counting the attempt: work that was never tried (a shutdown
   * releasing its in-flight batch, a send waiting for its channel's rate limit), claimable again
   * after `delayMs` by any instance.
   */
  async release(region: string, jobs: readonly ClaimedJob[], delayMs = 0): Promise<void> {
    const held = jobs.filter((j) => j.lease);
    if (held.length === 0) return;
    await this.dbs.region(region).query(
      `update queue.jobs j set leased_until = null, lease = null, attempts = greatest(j.attempts - 1, 0),
         available_at = now() + make_interval(secs => $3)
       from unnest($1::bigint[], $2::uuid[]) as h(id, lease) where j.id = h.id and j.lease = h.lease`,
      [held.map((j) => j.id), held.map((j) => j.lease), delayMs / 1000],
    );
  }

  /** Queues work on `refId`, in the transaction that made it: an outbox, never a job without its row or the reverse. */
  async enqueue(tx: EntityManager, kind: JobKind, tenantId: string, refId: string): Promise<void> {
    await tx.query(
      `insert into queue.jobs (kind, tenant_id, ref_id) values ($1, $2, $3)
       on conflict (kind, tenant_id, ref_id) do update set available_at = now(), leased_until = null, attempts = 0`,
      [kind, tenantId, refId],
    );
  }

  /**
   * Queues work on `refId` due in `delayMs`, or moves the queued job's due time (a claim in
   * progress keeps its lease and attempts: its holder decides what happens next).
   */
  async schedule(tx: Pick<EntityManager, 'query'>, kind: JobKind, tenantId: string, refId: string, delayMs: number): Promise<void> {
    await tx.query(
      `insert into queue.jobs (kind, tenant_id, ref_id, available_at) values ($1, $2, $3, now() + make_interval(secs => $4))
       on conflict (kind, tenant_id, ref_id) do update set available_at = excluded.available_at`,
      [kind, tenantId, refId, delayMs / 1000],
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
