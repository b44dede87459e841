import { MigrationInterface, QueryRunner } from 'typeorm';

const TENANT_TABLES = ['tenants', 'users', 'channels', 'contacts', 'contact_identities', 'conversations', 'messages', 'notes'];

/**
 * The tenant-owned core. tenant_id leads every primary, unique and foreign key (Citus-ready, and
 * a foreign key can never point into another tenant); every table has forced row-level security.
 */
export class ConversationCore1764400000000 implements MigrationInterface {
  name = 'ConversationCore1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function app_current_tenant() returns uuid language sql stable as
        $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$`);

    await q.query(`
      create table tenants (
        tenant_id uuid primary key,
        name text not null,
        region text not null,
        created_at timestamptz(3) not null default now()
      )`);

    await q.query(`
      create table users (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        email text not null,
        password_hash text not null,
        role text not null check (role in ('owner', 'admin', 'agent')),
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, id)
      )`);
    await q.query(`create unique index users_email_uq on users (tenant_id, lower(email))`);

    await q.query(`
      create table channels (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        kind text not null check (kind in ('messenger', 'instagram', 'whatsapp', 'telegram', 'email', 'webchat', 'sms')),
        name text not null,
        status text not null default 'active',
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, id)
      )`);

    await q.query(`
      create table contacts (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        display_name text,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, id)
      )`);

    await q.query(`
      create table contact_identities (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        contact_id uuid not null,
        channel_id uuid not null,
        channel_kind text not null,
        external_id text not null,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        unique (tenant_id, channel_id, external_id),
        foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade,
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index contact_identities_contact_idx on contact_identities (tenant_id, contact_id)`);

    await q.query(`
      create table conversations (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        contact_id uuid not null,
        channel_id uuid not null,
        status text not null default 'open' check (status in ('open', 'pending', 'snoozed', 'resolved')),
        assignee_id uuid,
        last_message_at timestamptz(3) not null default now(),
        last_inbound_at timestamptz(3),
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade,
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade,
        foreign key (tenant_id, assignee_id) references users (tenant_id, id)
      )`);
    // One index per list filter, each in the list's keyset order.
    await q.query(`create index conversations_inbox_idx on conversations (tenant_id, last_message_at desc, id desc)`);
    await q.query(`create index conversations_status_idx on conversations (tenant_id, status, last_message_at desc, id desc)`);
    await q.query(`create index conversations_channel_idx on conversations (tenant_id, channel_id, last_message_at desc, id desc)`);
    await q.query(`create index conversations_assignee_idx on conversations (tenant_id, assignee_id, last_message_at desc, id desc)`);
    await q.query(`create index conversations_contact_idx on conversations (tenant_id, contact_id, channel_id) where status <> 'resolved'`);

    await q.query(`
      create table messages (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        conversation_id uuid not null,
        channel_id uuid not null,
        direction text not null check (direction in ('inbound', 'outbound')),
        text text,
        attachments jsonb not null default '[]',
        status text check (status in ('queued', 'sent', 'delivered', 'read', 'failed')),
        error_code text,
        error_text text,
        external_id text,
        author_id uuid,
        sent_at timestamptz(3) not null default now(),
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        unique (tenant_id, channel_id, external_id),
        foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade,
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade,
        foreign key (tenant_id, author_id) references users (tenant_id, id)
      )`);
    await q.query(`create index messages_conversation_idx on messages (tenant_id, conversation_id, sent_at desc, id desc)`);

    await q.query(`
      create table notes (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        conversation_id uuid not null,
        author_id uuid not null,
        text text not null,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade,
        foreign key (tenant_id, author_id) references users (tenant_id, id)
      )`);
    await q.query(`create index notes_conversation_idx on notes (tenant_id, conversation_id, created_at)`);

    for (const table of TENANT_TABLES) {
      await q.query(`alter table ${table} enable row level security`);
      await q.query(`alter table ${table} force row level security`);
      await q.query(`create policy tenant_isolation on ${table}
        using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...TENANT_TABLES].reverse()) await q.query(`drop table ${table}`);
    await q.query(`drop function app_current_tenant()`);
  }
}
