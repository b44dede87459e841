import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Notifications for one agent (assigned to you, mentioned in a note, a new message in your
 * conversation) beside the organization's notices (user_id null), and who has read which. A
 * notification about a conversation goes with it (cascade), so erasure, retention and
 * termination need no step of their own; its text never quotes the End User.
 */
export class AgentNotifications1765900100000 implements MigrationInterface {
  name = 'AgentNotifications1765900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      alter table notifications
        add column user_id uuid,
        add column conversation_id uuid,
        add column actor_id uuid,
        add constraint notifications_user_fk foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
        add constraint notifications_conversation_fk foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade`);
    await q.query(`create index notifications_user_idx on notifications (tenant_id, user_id, created_at desc, id desc) where user_id is not null`);
    await q.query(`create index notifications_conversation_idx on notifications (tenant_id, conversation_id) where conversation_id is not null`);
    await q.query(`
      create table notification_reads (
        tenant_id uuid not null,
        user_id uuid not null,
        notification_id uuid not null,
        read_at timestamptz(3) not null default now(),
        primary key (tenant_id, user_id, notification_id),
        foreign key (tenant_id, notification_id) references notifications (tenant_id, id) on delete cascade,
        foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index notification_reads_notification_idx on notification_reads (tenant_id, notification_id)`);
    await enableTenantIsolation(q, 'notification_reads');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table notification_reads`);
    await q.query(`delete from notifications where user_id is not null`);
    await q.query(`drop index notifications_conversation_idx`);
    await q.query(`drop index notifications_user_idx`);
    await q.query(`alter table notifications drop column actor_id, drop column conversation_id, drop column user_id`);
  }
}
