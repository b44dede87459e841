import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { rows } from '../database/sql';

export const AVAILABILITIES = ['online', 'away', 'offline'] as const;
export type Availability = (typeof AVAILABILITIES)[number];

export interface Waiting {
  id: string;
  teamId: string;
}

/** A team member automatic assignment may choose: online, active, with their load across all teams. */
export interface Candidate {
  teamId: string;
  userId: string;
  load: number;
  lastAssignedAt: Date | null;
}

export interface AutoTeam {
  id: string;
  policy: 'round_robin' | 'least_loaded';
  capacity: number | null;
}

export interface AgentState {
  userId: string;
  availability: Availability;
  availabilityAt: Date | null;
  openConversations: number;
}

/** Availability columns of users, the teams' policies and queues; every method runs in the caller's tenant transaction. */
@Injectable()
export class AssignmentStore {
  /**
   * Serializes automatic assignment within an organization, across every app instance: loads
   * read under it stay true until it commits (no agent over capacity, no conversation twice).
   */
  async lock(tx: EntityManager, tenantId: string): Promise<void> {
    await tx.query(`select pg_advisory_xact_lock(hashtextextended('mm:assign:' || $1::text, 0))`, [tenantId]);
  }

  async autoTeams(tx: EntityManager, tenantId: string): Promise<AutoTeam[]> {
    return (
      await rows<{ id: string; policy: AutoTeam['policy']; capacity: number | null }>(
        tx,
        `select id, assignment_policy as policy, agent_capacity as capacity from teams where tenant_id = $1 and assignment_policy <> 'manual'`,
        [tenantId],
      )
    ).map((r) => ({ id: r.id, policy: r.policy, capacity: r.capacity }));
  }

  /** The teams' queues (open, unassigned), longest waiting first; `ids` narrows them to those conversations. */
  async waiting(tx: EntityManager, tenantId: string, teamIds: string[], ids?: string[]): Promise<Waiting[]> {
    return (
      await rows<{ id: string; team_id: string }>(
        tx,
        `select id, team_id from conversations
         where tenant_id = $1 and team_id = any($2::uuid[]) and status = 'open' and assignee_id is null
           and ($3::uuid[] is null or id = any($3::uuid[]))
         order by coalesce(last_inbound_at, created_at), id
         limit 1000`,
        [tenantId, teamIds, ids ?? null],
      )
    ).map((r) => ({ id: r.id, teamId: r.team_id }));
  }

  async candidates(tx: EntityManager, tenantId: string, teamIds: string[]): Promise<Candidate[]> {
    return (
      await rows<{ team_id: string; user_id: string; load: number; last_assigned_at: Date | null }>(
        tx,
        `select m.team_id, m.user_id, m.last_assigned_at,
                (select count(*) from conversations c where c.tenant_id = $1 and c.assignee_id = m.user_id and c.status in ('open', 'pending'))::int as load
         from team_members m join users u on u.tenant_id = m.tenant_id and u.id = m.user_id
         where m.tenant_id = $1 and m.team_id = any($2::uuid[]) and u.availability = 'online' and u.active and u.removed_at is null`,
        [tenantId, teamIds],
      )
    ).map((r) => ({ teamId: r.team_id, userId: r.user_id, load: r.load, lastAssignedAt: r.last_assigned_at }));
  }

  /** False when someone else got to it first (it no longer waits). */
  async assign(tx: EntityManager, tenantId: string, conversationId: string, teamId: string, userId: string): Promise<boolean> {
    const done = await rows(
      tx,
      `update conversations set assignee_id = $3, updated_at = now() where tenant_id = $1 and id = $2 and assignee_id is null and status = 'open' returning id`,
      [tenantId, conversationId, userId],
    );
    if (done.length === 0) return false;
    await tx.query(`update team_members set last_assigned_at = clock_timestamp() where tenant_id = $1 and team_id = $2 and user_id = $3`, [
      tenantId,
      teamId,
      userId,
    ]);
    return true;
  }

  async setAvailability(tx: EntityManager, tenantId: string, userId: string, availability: Availability): Promise<void> {
    await tx.query(`update users set availability = $3, availability_at = now() where tenant_id = $1 and id = $2`, [tenantId, userId, availability]);
  }

  async agents(tx: EntityManager, tenantId: string, userId?: string): Promise<AgentState[]> {
    return (
      await rows<{ id: string; availability: Availability; availability_at: Date | null; open: number }>(
        tx,
        `select u.id, u.availability, u.availability_at,
                (select count(*) from conversations c where c.tenant_id = u.tenant_id and c.assignee_id = u.id and c.status in ('open', 'pending'))::int as open
         from users u where u.tenant_id = $1 and u.removed_at is null and ($2::uuid is null or u.id = $2)
         order by u.created_at, u.id`,
        [tenantId, userId ?? null],
      )
    ).map((r) => ({ userId: r.id, availability: r.availability, availabilityAt: r.availability_at, openConversations: r.open }));
  }

  /** Their dashboards are open: they are present. */
  async markLive(tx: EntityManager, tenantId: string, userIds: string[]): Promise<void> {
    await tx.query(`update users set live_at = now() where tenant_id = $1 and id = any($2::uuid[])`, [tenantId, userIds]);
  }

  /** Online or away users with no live stream seen for `afterMs` (nor a status set in that time) go offline. */
  async markAbsentOffline(tx: EntityManager, tenantId: string, afterMs: number): Promise<string[]> {
    return (
      await rows<{ id: string }>(
        tx,
        `update users set availability = 'offline', availability_at = now()
         where tenant_id = $1 and availability <> 'offline'
           and greatest(coalesce(live_at, '-infinity'), coalesce(availability_at, '-infinity')) < now() - make_interval(secs => $2::double precision / 1000)
         returning id`,
        [tenantId, afterMs],
      )
    ).map((r) => r.id);
  }
}
