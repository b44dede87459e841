import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deletion requests as the public status page knows them: a code, a state, deadlines and counts.
 * No subject, not even hashed: what the request was about stays in the regions it concerned.
 */
export class DeletionRequests1764810000001 implements MigrationInterface {
  name = 'DeletionRequests1764810000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table directory.deletion_requests (
        code text primary key,
        origin text not null check (origin in ('meta_callback', 'customer', 'end_user')),
        status text not null default 'pending' check (status in ('pending', 'completed', 'failed')),
        requested_at timestamptz(3) not null default now(),
        deadline_at timestamptz(3) not null,
        completed_at timestamptz(3),
        counts jsonb not null default '{}',
        outcome text
      )`);
    await q.query(`create index deletion_requests_pending_idx on directory.deletion_requests (deadline_at) where status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table directory.deletion_requests`);
  }
}
