import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a Meta data-deletion request needs while Graph's ID matching is still to be done, and what
 * its status page says about the matching:
 * - `job_ref`: the request's id on the work queue (queue.jobs refers to work by uuid);
 * - `sealed_subject`: the person's app-scoped id, sealed under the master key (SecretBox, bound
 *   to the request's code), kept only while the request is unfinished (the retry asks Graph with
 *   it) and cleared when it completes: the directory holds no readable personal data;
 * - `matching`: counts and dates of the matching (no ids), shown on the status page;
 * - `matched_tenants`: which organizations held data, so retries count each one once (never shown);
 * - `run_started_at`: when the request was last taken up, so one whose run died with its process
 *   (pending with no outcome) can be taken up again after a while instead of never.
 */
export class MetaDeletionMatching1768400000000 implements MigrationInterface {
  name = 'MetaDeletionMatching1768400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table directory.deletion_requests add column job_ref uuid not null default gen_random_uuid()`);
    await q.query(`create unique index deletion_requests_job_ref_idx on directory.deletion_requests (job_ref)`);
    await q.query(`alter table directory.deletion_requests add column sealed_subject text`);
    await q.query(`alter table directory.deletion_requests add column matching jsonb`);
    await q.query(`alter table directory.deletion_requests add column matched_tenants uuid[] not null default '{}'`);
    await q.query(`alter table directory.deletion_requests add column run_started_at timestamptz(3) not null default now()`);
    await q.query(
      `alter table directory.deletion_requests add constraint deletion_requests_subject_while_pending check (status <> 'completed' or sealed_subject is null)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table directory.deletion_requests drop constraint deletion_requests_subject_while_pending`);
    for (const column of ['run_started_at', 'matched_tenants', 'matching', 'sealed_subject', 'job_ref']) {
      await q.query(`alter table directory.deletion_requests drop column ${column}`);
    }
  }
}
