import { Injectable } from '@nestjs/common';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';

/** Anything that runs a statement: a transaction, a pool, or the connection holding a job's advisory lock. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export type HeartbeatPhase = 'start' | 'finish' | 'error';

/**
 * `queue.heartbeats`: when each scheduled job of a region last started and finished, and its last
 * error, so that /health can tell a job that silently stopped running.
 */
@Injectable()
export class JobHeartbeats {
  constructor(private readonly dbs: RegionDatabases) {}

  /** `db` is the job's own connection (it holds the job's lock), so a beat never waits for a pool. */
  async beat(db: Queryable, job: string, phase: HeartbeatPhase, at: Date, error?: string): Promise<void> {
    if (phase === 'error') {
      await db.query(`update queue.heartbeats set last_error = $2 where job = $1`, [job, error?.slice(0, 500) ?? null]);
      return;
    }
    const column = phase === 'start' ? 'last_started_at' : 'last_finished_at';
    await db.query(
      `insert into queue.heartbeats (job, ${column}, last_error) values ($1, $2, null)
       on conflict (job) do update set ${column} = excluded.${column}, last_error = null`,
      [job, at],
    );
  }

  async lastFinishedAt(region: string, job: string): Promise<Date | null> {
    const beat = await firstRow<{ last_finished_at: Date | null }>(this.dbs.region(region), `select last_finished_at from queue.heartbeats where job = $1`, [
      job,
    ]);
    return beat?.last_finished_at ?? null;
  }
}
