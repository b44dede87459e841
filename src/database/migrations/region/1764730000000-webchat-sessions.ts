import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web chat visitor sessions. A session token is `<id>.<secret>`: only the SHA-256 of the secret
 * is stored, so a database dump opens no session. visitor_id is the contact identity's external
 * id on the channel (`anon:<uuid>`, or `user:<id>` once the Customer's site vouched for it).
 */
export class WebchatSessions1764730000000 implements MigrationInterface {
  name = 'WebchatSessions1764730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table webchat_sessions (
        tenant_id uuid not null,
        id uuid not null,
        channel_id uuid not null,
        token_hash bytea not null,
        visitor_id text not null,
        verified boolean not null default false,
        display_name text,
        created_at timestamptz(3) not null default now(),
        last_seen_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index webchat_sessions_visitor_idx on webchat_sessions (tenant_id, channel_id, visitor_id)`);
    await q.query(`alter table webchat_sessions enable row level security`);
    await q.query(`alter table webchat_sessions force row level security`);
    await q.query(`create policy tenant_isolation on webchat_sessions
      using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table webchat_sessions`);
  }
}
