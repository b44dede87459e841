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
}

/** The directory database, or a transaction on it. */
type DirectoryDb = DataSource | EntityManager;

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
   * it: a running one has no outcome); null when it is neither.
   */
  async reopenUnfinished(requestKey: string): Promise<DeletionRequestRow | null> {
    return (
      (await firstRow<DeletionRequestRow>(
        this.dbs.directory(),
        `update directory.deletion_requests set status = 'pending', outcome = null where request_key = $1 and (status = 'failed' or (status = 'pending' and outcome is not null)) returning *`,
        [requestKey],
      )) ?? null
    );
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
