import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { firstRow, rows } from '../database/sql';

export const ASSIGNMENT_POLICIES = ['manual', 'round_robin', 'least_loaded'] as const;
export type AssignmentPolicy = (typeof ASSIGNMENT_POLICIES)[number];

export interface Team {
  id: string;
  name: string;
  assignmentPolicy: AssignmentPolicy;
  /** Open and pending conversations an agent may hold before automatic assignment passes them by; null: no limit. */
  agentCapacity: number | null;
  memberIds: string[];
  channelIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

interface TeamRow {
  id: string;
  name: string;
  assignment_policy: AssignmentPolicy;
  agent_capacity: number | null;
  member_ids: string[];
  channel_ids: string[];
  created_at: Date;
  updated_at: Date;
}

const toTeam = (r: TeamRow): Team => ({
  id: r.id,
  name: r.name,
  assignmentPolicy: r.assignment_policy,
  agentCapacity: r.agent_capacity,
  memberIds: r.member_ids,
  channelIds: r.channel_ids,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SELECT = `select t.id, t.name, t.assignment_policy, t.agent_capacity, t.created_at, t.updated_at,
    array(select m.user_id from team_members m where m.tenant_id = t.tenant_id and m.team_id = t.id order by m.user_id)::text[] as member_ids,
    array(select c.id from channels c where c.tenant_id = t.tenant_id and c.team_id = t.id order by c.id)::text[] as channel_ids
  from teams t`;

/** The tables teams, team_members and the channels' routing column; every method runs in the caller's tenant transaction. */
@Injectable()
export class TeamStore {
  async list(tx: EntityManager, tenantId: string): Promise<Team[]> {
    return (await rows<TeamRow>(tx, `${SELECT} where t.tenant_id = $1 order by lower(t.name), t.id`, [tenantId])).map(toTeam);
  }

  async find(tx: EntityManager, tenantId: string, id: string): Promise<Team | null> {
    const row = await firstRow<TeamRow>(tx, `${SELECT} where t.tenant_id = $1 and t.id = $2`, [tenantId, id]);
    return row ? toTeam(row) : null;
  }

  /** Null when the name is taken (whatever its case). */
  async insert(tx: EntityManager, tenantId: string, name: string): Promise<string | null> {
    const row = await firstRow<{ id: string }>(
      tx,
      `insert into teams (tenant_id, name) values ($1, $2) on conflict (tenant_id, lower(name)) do nothing returning id`,
      [tenantId, name],
    );
    return row?.id ?? null;
  }

  async count(tx: EntityManager, tenantId: string): Promise<number> {
    return (await firstRow<{ n: number }>(tx, `select count(*)::int as n from teams where tenant_id = $1`, [tenantId]))!.n;
  }

  /** False when there is no such team. Throws the unique violation when the name is taken. */
  async update(
    tx: EntityManager,
    tenantId: string,
    id: string,
    set: { name?: string; assignmentPolicy?: AssignmentPolicy; agentCapacity?: number | null },
  ): Promise<boolean> {
    const found = await rows(
      tx,
      `update teams set name = coalesce($3, name), assignment_policy = coalesce($4, assignment_policy),
         agent_capacity = case when $5 then $6::int else agent_capacity end, updated_at = now()
       where tenant_id = $1 and id = $2 returning id`,
      [tenantId, id, set.name ?? null, set.assignmentPolicy ?? null, set.agentCapacity !== undefined, set.agentCapacity ?? null],
    );
    return found.length > 0;
  }

  async delete(tx: EntityManager, tenantId: string, id: string): Promise<boolean> {
    return (await rows(tx, `delete from teams where tenant_id = $1 and id = $2 returning id`, [tenantId, id])).length > 0;
  }

  /** How many of `ids` are teams of the organization. */
  async countExisting(tx: EntityManager, tenantId: string, ids: string[]): Promise<number> {
    return (await firstRow<{ n: number }>(tx, `select count(*)::int as n from teams where tenant_id = $1 and id = any($2::uuid[])`, [tenantId, ids]))!.n;
  }

  /** How many of `ids` are users of the organization who are not removed. */
  async countUsers(tx: EntityManager, tenantId: string, ids: string[]): Promise<number> {
    return (await firstRow<{ n: number }>(tx, `select count(*)::int as n from users where tenant_id = $1 and id = any($2::uuid[]) and removed_at is null`, [
      tenantId,
      ids,
    ]))!.n;
  }

  async countChannels(tx: EntityManager, tenantId: string, ids: string[]): Promise<number> {
    return (await firstRow<{ n: number }>(tx, `select count(*)::int as n from channels where tenant_id = $1 and id = any($2::uuid[])`, [tenantId, ids]))!.n;
  }

  async setMembers(tx: EntityManager, tenantId: string, teamId: string, userIds: string[]): Promise<void> {
    await tx.query(`delete from team_members where tenant_id = $1 and team_id = $2 and user_id <> all($3::uuid[])`, [tenantId, teamId, userIds]);
    await this.addMembers(tx, tenantId, [teamId], userIds);
  }

  async addMembers(tx: EntityManager, tenantId: string, teamIds: string[], userIds: string[]): Promise<void> {
    await tx.query(
      `insert into team_members (tenant_id, team_id, user_id)
       select $1, t, u from unnest($2::uuid[]) as t cross join unnest($3::uuid[]) as u on conflict do nothing`,
      [tenantId, teamIds, userIds],
    );
  }

  async removeMember(tx: EntityManager, tenantId: string, teamId: string, userId: string): Promise<boolean> {
    return (
      (await rows(tx, `delete from team_members where tenant_id = $1 and team_id = $2 and user_id = $3 returning 1`, [tenantId, teamId, userId])).length > 0
    );
  }

  /** Routes exactly `channelIds` to the team: those channels leave their former team, the team's others are left without one. */
  async setChannels(tx: EntityManager, tenantId: string, teamId: string, channelIds: string[]): Promise<void> {
    await tx.query(`update channels set team_id = null where tenant_id = $1 and team_id = $2 and id <> all($3::uuid[])`, [tenantId, teamId, channelIds]);
    await tx.query(`update channels set team_id = $2 where tenant_id = $1 and id = any($3::uuid[])`, [tenantId, teamId, channelIds]);
  }

  async restrictedVisibility(tx: EntityManager, tenantId: string): Promise<boolean> {
    return (await firstRow<{ r: boolean }>(tx, `select restricted_visibility as r from tenants where tenant_id = $1`, [tenantId]))?.r ?? false;
  }

  async setRestrictedVisibility(tx: EntityManager, tenantId: string, restricted: boolean): Promise<void> {
    await tx.query(`update tenants set restricted_visibility = $2 where tenant_id = $1`, [tenantId, restricted]);
  }
}
