import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mail threads, headers and attachments.
 *
 * - email_threads: the unguessable reply token of a conversation (`reply+<token>@EMAIL_DOMAIN`),
 *   made when we first send in it. Goes with its conversation.
 * - email_messages: what the inbox keeps of an inbound mail's headers beyond the message row
 *   (the subject, for "Re: <subject>"), keyed like the message: (channel, Message-ID).
 * - email_attachments: the bytes of each kept MIME part (attachments, and the full text when
 *   quoted history was stripped from the message text), keyed by (channel, Message-ID, index).
 *
 * Headers and attachments are stored when the SMTP listener accepts the mail (before it answers
 * 250), so before the message row exists; they share its key instead of a foreign key. Triggers
 * keep them from outliving it: deleting messages (erasure, retention, a purged channel) deletes
 * their rows, and deleting an inbound event whose mail never became a message (erasure of a
 * not-yet-processed mail) deletes what was stored for it.
 */
export class Email1764720000000 implements MigrationInterface {
  name = 'Email1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table email_threads (
        tenant_id uuid not null,
        conversation_id uuid not null,
        channel_id uuid not null,
        token text not null,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, conversation_id),
        unique (tenant_id, token),
        foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade,
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    await q.query(`
      create table email_messages (
        tenant_id uuid not null,
        channel_id uuid not null,
        message_key text not null,
        subject text,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, channel_id, message_key),
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    await q.query(`
      create table email_attachments (
        tenant_id uuid not null,
        channel_id uuid not null,
        message_key text not null,
        idx int not null check (idx >= 0),
        name text,
        mime_type text not null,
        size int not null,
        sha256 text not null,
        content bytea not null,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, channel_id, message_key, idx),
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    for (const table of ['email_threads', 'email_messages', 'email_attachments']) {
      await q.query(`alter table ${table} enable row level security`);
      await q.query(`alter table ${table} force row level security`);
      await q.query(`create policy tenant_isolation on ${table}
        using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`);
    }

    // Statement-level with transition tables: one join per delete statement, not one per row.
    await q.query(`
      create function email_forget_deleted_messages() returns trigger language plpgsql as $$
      begin
        delete from email_attachments a using gone g
          where a.tenant_id = g.tenant_id and a.channel_id = g.channel_id and a.message_key = g.external_id;
        delete from email_messages m using gone g
          where m.tenant_id = g.tenant_id and m.channel_id = g.channel_id and m.message_key = g.external_id;
        return null;
      end $$`);
    await q.query(`create trigger email_forget_deleted_messages after delete on messages
      referencing old table as gone for each statement execute function email_forget_deleted_messages()`);

    await q.query(`
      create function email_forget_unprocessed_mail() returns trigger language plpgsql as $$
      begin
        delete from email_attachments a using gone g
          where g.payload ? 'emailMessageKey' and a.tenant_id = g.tenant_id and a.channel_id = g.channel_id
            and a.message_key = g.payload->>'emailMessageKey'
            and not exists (select 1 from messages x where x.tenant_id = a.tenant_id and x.channel_id = a.channel_id and x.external_id = a.message_key);
        delete from email_messages m using gone g
          where g.payload ? 'emailMessageKey' and m.tenant_id = g.tenant_id and m.channel_id = g.channel_id
            and m.message_key = g.payload->>'emailMessageKey'
            and not exists (select 1 from messages x where x.tenant_id = m.tenant_id and x.channel_id = m.channel_id and x.external_id = m.message_key);
        return null;
      end $$`);
    await q.query(`create trigger email_forget_unprocessed_mail after delete on inbound_events
      referencing old table as gone for each statement execute function email_forget_unprocessed_mail()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger email_forget_unprocessed_mail on inbound_events`);
    await q.query(`drop trigger email_forget_deleted_messages on messages`);
    await q.query(`drop function email_forget_unprocessed_mail()`);
    await q.query(`drop function email_forget_deleted_messages()`);
    await q.query(`drop table email_attachments`);
    await q.query(`drop table email_messages`);
    await q.query(`drop table email_threads`);
  }
}
