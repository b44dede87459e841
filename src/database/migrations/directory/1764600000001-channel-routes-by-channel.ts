import { MigrationInterface, QueryRunner } from 'typeorm';

/** Channels with a webhook URL of their own (Telegram, Twilio) are routed by channel id. */
export class ChannelRoutesByChannel1764600000001 implements MigrationInterface {
  name = 'ChannelRoutesByChannel1764600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create unique index channel_routes_channel_uq on directory.channel_routes (channel_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index directory.channel_routes_channel_uq`);
  }
}
