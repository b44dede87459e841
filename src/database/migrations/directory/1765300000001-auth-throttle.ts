import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters of sign-in and sign-up attempts, shared by every app instance. Keys are hashes only:
 * a login hash (as in directory.logins) or a keyed hash of a client address; no address or
 * e-mail is stored. Rows are short-lived: the cleanup removes them a day after their last lock
 * or window, or 30 days after the last success for a known (account, address) pair.
 */
export class AuthThrottle1765300000001 implements MigrationInterface {
  name = 'AuthThrottle1765300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table directory.auth_throttle (
        bucket text not null,
        key text not null,
        attempts int not null default 0,
        window_started_at timestamptz(3) not null default now(),
        lockouts int not null default 0,
        locked_until timestamptz(3),
        last_success_at timestamptz(3),
        primary key (bucket, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table directory.auth_throttle`);
  }
}
