import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * What arrived from a platform and did not become anything in the inbox (a group chat, a status
 * we do not track, an update about a message that never came...), counted per channel and reason
 * so a Customer's admins can see that nothing vanished unnoticed. A reason never names an End
 * User: it is a fixed text per kind of item.
 */
export class InboundIgnored1766410100000 implements MigrationInterface {
  name = 'InboundIgnored1766410100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table inbound_ignored (
        tenant_id uuid not null,
        channel_id uuid not null,
        reason text not null,
        count bigint not null default 0,
        first_at timestamptz(3) not null default now(),
        last_at timestamptz(3) not null default now(),
        primary key (tenant_id, channel_id, reason),
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    await enableTenantIsolation(q, 'inbound_ignored');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table inbound_ignored`);
  }
}
