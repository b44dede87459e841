import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Availability and automatic assignment: each user's status (online, away, offline) with when it
 * was set and when one of their live streams was last seen open; per team an assignment policy
 * and how many open conversations an agent may hold; per member when they were last given one
 * (round robin's turn).
 */
export class Assignment1766500000001 implements MigrationInterface {
  name = 'Assignment1766500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table users
      add column availability text not null default 'offline' check (availability in ('online', 'away', 'offline')),
      add column availability_at timestamptz(3),
      add column live_at timestamptz(3)`);
    await q.query(`alter table teams
      add column assignment_policy text not null default 'manual' check (assignment_policy in ('manual', 'round_robin', 'least_loaded')),
      add column agent_capacity int check (agent_capacity between 1 and 1000)`);
    await q.query(`alter table team_members add column last_assigned_at timestamptz(3)`);
    // An agent's load (open and pending conversations assigned to them), counted at every assignment.
    await q.query(`create index conversations_assignee_load_idx on conversations (tenant_id, assignee_id) where status in ('open', 'pending')`);
    // The queues: open, unassigned conversations of a team.
    await q.query(
      `create index conversations_team_queue_idx on conversations (tenant_id, team_id, last_inbound_at) where status = 'open' and assignee_id is null`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index conversations_team_queue_idx`);
    await q.query(`drop index conversations_assignee_load_idx`);
    await q.query(`alter table team_members drop column last_assigned_at`);
    await q.query(`alter table teams drop column assignment_policy, drop column agent_capacity`);
    await q.query(`alter table users drop column availability, drop column availability_at, drop column live_at`);
  }
}
