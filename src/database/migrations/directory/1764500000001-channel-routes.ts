import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which tenant owns a platform account (page id, Instagram account id, WhatsApp phone number id,
 * Telegram bot id...). The key is unique across all tenants and regions, so one account can be
 * connected only once, and a webhook finds its region before touching any tenant data.
 */
export class ChannelRoutes1764500000001 implements MigrationInterface {
  name = 'ChannelRoutes1764500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table directory.channel_routes (
        platform text not null,
        routing_key text not null,
        tenant_id uuid not null references directory.tenants (tenant_id) on delete cascade,
        channel_id uuid not null,
        region text not null,
        primary key (platform, routing_key)
      )`);
    await q.query(`create index channel_routes_channel_idx on directory.channel_routes (tenant_id, channel_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table directory.channel_routes`);
  }
}
