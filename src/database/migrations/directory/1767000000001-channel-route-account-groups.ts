import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Some webhooks name only the business account a routed account belongs to (WhatsApp's
 * `account_update` names the WABA, not the phone number): the directory keeps that group next
 * to the route, so such a webhook reaches every channel of the account.
 */
export class ChannelRouteAccountGroups1767000000001 implements MigrationInterface {
  name = 'ChannelRouteAccountGroups1767000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table directory.channel_routes add column account_group text`);
    await q.query(`create index channel_routes_account_group_idx on directory.channel_routes (platform, account_group) where account_group is not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index directory.channel_routes_account_group_idx`);
    await q.query(`alter table directory.channel_routes drop column account_group`);
  }
}
