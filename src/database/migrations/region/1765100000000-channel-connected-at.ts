import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a channel was last connected (created, or reconnected with new credentials): Meta's
 * deauthorize callback disconnects a channel only if it was issued after that, so an old or
 * replayed callback cannot disconnect an account its owner connected again since. Existing rows
 * take their creation time, the only connection time known for them.
 */
export class ChannelConnectedAt1765100000000 implements MigrationInterface {
  name = 'ChannelConnectedAt1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table channels add column connected_at timestamptz(3)`);
    await q.query(`update channels set connected_at = created_at`);
    await q.query(`alter table channels alter column connected_at set default now(), alter column connected_at set not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table channels drop column connected_at`);
  }
}
