import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The deployment's own id, made once with its directory. The app role is labelled with it
 * (COMMENT ON ROLE), so a deployment never takes over, or resets the password of, the app role
 * of another deployment on the same PostgreSQL server.
 */
export class DeploymentId1765500000001 implements MigrationInterface {
  name = 'DeploymentId1765500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table directory.deployment (
      singleton boolean primary key default true check (singleton),
      id uuid not null default gen_random_uuid(),
      created_at timestamptz(3) not null default now()
    )`);
    await q.query(`insert into directory.deployment default values`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table directory.deployment`);
  }
}
