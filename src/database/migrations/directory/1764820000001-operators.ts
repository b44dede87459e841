import { MigrationInterface, QueryRunner } from 'typeorm';

/** Platform staff accounts: keyed by a hash of the login, like tenant logins. */
export class Operators1764820000001 implements MigrationInterface {
  name = 'Operators1764820000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table directory.operators (
        id uuid primary key default gen_random_uuid(),
        login_hash text not null unique,
        password_hash text not null,
        created_at timestamptz(3) not null default now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table directory.operators`);
  }
}
