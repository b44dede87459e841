import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

export type DeletionOrigin = 'meta_callback' | 'customer' | 'end_user';

/** One request as stored: counts only, nothing that identifies the person. */
export interface DeletionRequestRow {
  code: string;
  origin: DeletionOrigin;
  status: 'pending' | 'completed' | 'failed';
  requested_at: Date;
  deadline_at: Date;
  completed_at: Date | null;
  counts: Record<string, number>;
  outcome: string | null;
  /** The request's id on the work queue (a Meta request whose matching is retried). */
  job_ref: string;
  /** A Meta request's app-scoped id, sealed (SecretBox, bound to the code), only while the request is unfinished (never shown). */
  sealed_subject: string | null;
  matching: MatchingReport | null;
  /** Organizations where data was found (never shown: counted only). */
  matched_tenants: string[];
}

/** How Graph's ID matching of a Meta request went: counts and dates only, shown on the status page. */
export interface MatchingReport {
  /** pending: Graph has not answered yet (retried); matched: it has; not_configured: no META_APP_ID, the id was taken as it came. */
  state: 'pending' | 'matched' | 'not_configured';
  /** Times Graph was asked. */
  attempts: number;
  /** Why the last attempt failed, in a word (while pending). */
  lastFailure?: 'unavailable' | 'rate_limited' | 'refused';
  nextAttemptAt?: string;
  /** Accounts on Facebook Pages Meta matched to the person (or, while Graph has not answered, matched earlier and recorded here). */
  accountsMatched: number;
  /** Of them (and the id Meta sent), how many had data here. */
  accountsFound: number;
  /** In how many organizations that data was. */
  organizations: number;
}

/** The directory database, or a transaction on it. */
type DirectoryDb = DataSource | EntityManager;

/** A run that has not reported for this long died with its process (a run takes seconds to minutes). */
export const STALE_RUN_MINUTES = 15;
/** A request another run may take up: failed, parked with its reason, or its run is stale. */
const UNFINISHED = `(status = 'failed' or (status = 'pending' and (outcome is not null or run_started_at < now() - interval '${STALE_RUN_MINUTES} minutes')))`;

/**
 * `directory.deletion_requests`: every deletion request's public status (by confirmation code),
 * whatever its origin, kept in the directory so a code resolves without knowing the region.
 */
@Injectable()
export class DeletionRequestStore {
  constructor(private readonly dbs: RegionDatabases) {}

  /** A new request; false when `requestKey` names one that exists already. */
  async insert(r: { code: string; origin: DeletionOrigin; requestedAt: Date; deadlineAt: Date; requestKey: string | null }): Promise<boolean> {
    const inserted = await rows(
      this.dbs.directory(),
      `insert into directory.deletion_requests (code, origin, requested_at, deadline_at, request_key) values ($1, $2, $3, $4, $5)
       on conflict (request_key) where request_key is not null do nothing returning code`,
      [r.code, r.origin, r.requestedAt, r.deadlineAt, r.requestKey],
    );
    return inserted.length > 0;
  }

  /** The termination request of an organization, under its termination code (once). */
  async insertForTermination(db: DirectoryDb, code: string, deadlineDays: number): Promise<void> {
    await db.query(
      `insert into directory.deletion_requests (code, origin, requested_at, deadline_at) values ($1, 'customer', now(), now() + make_interval(days => $2))
       on conflict (code) do nothing`,
      [code, deadlineDays],
    );
  }

  /**
   * Takes a failed request, or one parked pending with its reason, up again (only one caller gets
   * it: a running one has no outcome, until its run is stale); null when it is neither.
   */
  async reopenUnfinished(requestKey: string): Promise<DeletionRequestRow | null> {
    return (
      (await firstRow<DeletionRequestRow>(
        this.dbs.directory(),
        `update directory.deletion_requests set status = 'pending', outcome = null, run_started_at = now() where request_key = $1 and ${UNFINISHED} returning *`,
        [requestKey],
      )) ?? null
    );
  }

  /**
   * Takes the request up again by its code (the matching retry): a failed one, one parked pending
   * with its reason, or one whose run died with its process (no outcome for STALE_RUN_MINUTES).
   */
  async reopenByCode(code: string): Promise<DeletionRequestRow | null> {
    return (
      (await firstRow<DeletionRequestRow>(
        this.dbs.directory(),
        `update directory.deletion_requests set status = 'pending', outcome = null, run_started_at = now() where code = $1 and ${UNFINISHED} returning *`,
        [code],
      )) ?? null
    );
  }

  async findByJobRef(jobRef: string): Promise<DeletionRequestRow | null> {
    return (await firstRow<DeletionRequestRow>(this.dbs.directory(), `select * from directory.deletion_requests where job_ref = $1`, [jobRef])) ?? null;
  }

  /** Keeps the sealed app-scoped id the matching needs (SealedSubjects), until the request completes. */
  async keepSubject(db: DirectoryDb, code: string, sealed: string): Promise<DeletionRequestRow> {
    const row = await firstRow<DeletionRequestRow>(db, `update directory.deletion_requests set sealed_subject = $2 where code = $1 returning *`, [
      code,
      sealed,
    ]);
    return row!;
  }

  /**
   * Records a Meta request's matching and what it erased so far, in the transaction that also
   * moves its retry job; completing forgets the app-scoped id.
   */
  async report(
    db: DirectoryDb,
    code: string,
    r: {
      status: DeletionRequestRow['status'];
      counts: Record<string, number>;
      outcome: string;
      matching: MatchingReport;
      tenants: readonly string[];
      at: Date;
    },
  ): Promise<DeletionRequestRow> {
    const row = await firstRow<DeletionRequestRow>(
      db,
      `update directory.deletion_requests set status = $2, counts = $3, outcome = $4, matching = $5, matched_tenants = $6::uuid[],
         completed_at = case when $2 = 'completed' then $7::timestamptz end,
         sealed_subject = case when $2 = 'completed' then null else sealed_subject end
       where code = $1 returning *`,
      [code, r.status, JSON.stringify(r.counts), r.outcome, JSON.stringify(r.matching), r.tenants, r.at],
    );
    return row!;
  }

  /** When the matching's next attempt is due (the retry job's backoff), for the status page. */
  async noteNextAttempt(db: DirectoryDb, jobRef: string, at: Date): Promise<void> {
    await db.query(
      `update directory.deletion_requests set matching = matching || jsonb_build_object('nextAttemptAt', $2::text) where job_ref = $1 and matching is not null and status <> 'completed'`,
      [jobRef, at.toISOString()],
    );
  }

  /** Every sealed subject kept now, by request code (master key rotation and its start-up check). */
  async sealedSubjects(): Promise<Array<{ code: string; sealed: string }>> {
    return rows<{ code: string; sealed: string }>(
      this.dbs.directory(),
      `select code, sealed_subject as sealed from directory.deletion_requests where sealed_subject is not null`,
    );
  }

  /** Replaces a sealed subject by its re-encryption, unless the request completed meanwhile. */
  async resealSubject(code: string, before: string, after: string): Promise<void> {
    await this.dbs
      .directory()
      .query(`update directory.deletion_requests set sealed_subject = $3 where code = $1 and sealed_subject = $2`, [code, before, after]);
  }

  async findByKey(requestKey: string): Promise<DeletionRequestRow | null> {
    return (await firstRow<DeletionRequestRow>(this.dbs.directory(), `select * from directory.deletion_requests where request_key = $1`, [requestKey])) ?? null;
  }

  async findByCode(code: string): Promise<DeletionRequestRow | null> {
    return (await firstRow<DeletionRequestRow>(this.dbs.directory(), `select * from directory.deletion_requests where code = $1`, [code])) ?? null;
  }

  async close(code: string, status: DeletionRequestRow['status'], counts: Record<string, number>, outcome: string, at: Date): Promise<DeletionRequestRow> {
    const row = await firstRow<DeletionRequestRow>(
      this.dbs.directory(),
      `update directory.deletion_requests set status = $2, counts = $3, outcome = $4, completed_at = case when $2 = 'completed' then $5::timestamptz end
       where code = $1 returning *`,
      [code, status, JSON.stringify(counts), outcome, at],
    );
    return row!;
  }

  /** Counts kept as a purge goes, so a retried purge still reports everything it deleted. */
  async addCount(code: string, table: string, n: number): Promise<void> {
    await this.dbs
      .directory()
      .query(`update directory.deletion_requests set counts = counts || jsonb_build_object($2::text, coalesce((counts->>$2)::int, 0) + $3) where code = $1`, [
        code,
        table,
        n,
      ]);
  }

  /** Completes a termination's request; answers its counts ({} when there is none). */
  async completeTermination(db: DirectoryDb, code: string | null, outcome: string): Promise<Record<string, number>> {
    const [request] = await rows<{ counts: Record<string, number> }>(
      db,
      `update directory.deletion_requests set status = 'completed', completed_at = now(), outcome = $2 where code = $1 returning counts`,
      [code, outcome],
    );
    return request?.counts ?? {};
  }

  /** Requests still not completed past their deadline. */
  async countOverdue(now: Date): Promise<number> {
    const [row] = await rows<{ n: number }>(
      this.dbs.directory(),
      `select count(*)::int as n from directory.deletion_requests where status <> 'completed' and deadline_at < $1`,
      [now],
    );
    return row.n;
  }
}
