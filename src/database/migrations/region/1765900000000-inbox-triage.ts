import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

const NEW_TABLES = ['labels', 'conversation_labels', 'conversation_reads'];

/**
 * The agent's triage: a priority and a snooze deadline per conversation, the organization's
 * labels and which conversations carry them, and how far each agent has read each conversation.
 * Everything about a conversation goes with it (cascade), so erasure, retention and termination
 * need no step of their own; labels go with the organization.
 */
export class InboxTriage1765900000000 implements MigrationInterface {
  name = 'InboxTriage1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table conversations add column priority text check (priority in ('low', 'medium', 'high', 'urgent'))`);
    await q.query(`alter table conversations add column snoozed_until timestamptz(3)`);
    // The snooze job's probe: only snoozed conversations with a deadline are in it.
    await q.query(
      `create index conversations_snoozed_until_idx on conversations (tenant_id, snoozed_until) where status = 'snoozed' and snoozed_until is not null`,
    );

    await q.query(`
      create table labels (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        name text not null,
        colour text not null,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, id)
      )`);
    await q.query(`create unique index labels_name_uq on labels (tenant_id, lower(name))`);

    await q.query(`
      create table conversation_labels (
        tenant_id uuid not null,
        conversation_id uuid not null,
        label_id uuid not null,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, conversation_id, label_id),
        foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade,
        foreign key (tenant_id, label_id) references labels (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index conversation_labels_label_idx on conversation_labels (tenant_id, label_id, conversation_id)`);

    // Per agent and conversation: every inbound message sent after read_up_to is unread.
    await q.query(`
      create table conversation_reads (
        tenant_id uuid not null,
        user_id uuid not null,
        conversation_id uuid not null,
        read_up_to timestamptz(3) not null,
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, user_id, conversation_id),
        foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade,
        foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index conversation_reads_conversation_idx on conversation_reads (tenant_id, conversation_id)`);

    for (const table of NEW_TABLES) await enableTenantIsolation(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...NEW_TABLES].reverse()) await q.query(`drop table ${table}`);
    await q.query(`drop index conversations_snoozed_until_idx`);
    await q.query(`alter table conversations drop column snoozed_until`);
    await q.query(`alter table conversations drop column priority`);
  }
}
