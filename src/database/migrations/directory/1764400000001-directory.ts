import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The directory routes a login or (later) a webhook to a tenant's region before any tenant is
 * known. It lives only in the default region's database and holds no personal data: logins are
 * keyed by a hash of the e-mail address, never the address.
 */
export class Directory1764400000001 implements MigrationInterface {
  name = 'Directory1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create schema directory`);
    await q.query(`
      create table directory.tenants (
        tenant_id uuid primary key,
        region text not null,
        created_at timestamptz(3) not null default now()
      )`);
    await q.query(`
      create table directory.logins (
        login_hash text primary key,
        tenant_id uuid not null references directory.tenants (tenant_id) on delete cascade,
        user_id uuid not null,
        region text not null
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop schema directory cascade`);
  }
}
