import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { conflict, invalid, notFound } from '../../libs/domain/src';
import { sqlState } from '../database/database-errors';
import { RegionDatabases } from '../database/region-databases';
import { AssignmentPolicy, Team, TeamStore } from './team.store';

/** More teams than this is an org chart, not an inbox's routing. */
export const MAX_TEAMS = 200;

export interface TeamInput {
  name?: string;
  assignmentPolicy?: AssignmentPolicy;
  agentCapacity?: number | null;
  memberIds?: string[];
  channelIds?: string[];
}

const teamNotFound = () => notFound('TEAM_NOT_FOUND', 'No such team in this organization');
const nameTaken = () => conflict('TEAM_NAME_TAKEN', 'This organization already has a team with that name');

/** The organization's teams: who is in them, which channels route to them, and whether agents see only their teams' work. */
@Injectable()
export class TeamsService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly store: TeamStore,
  ) {}

  list(tenant: TenantRef): Promise<Team[]> {
    return this.dbs.forTenant(tenant, (tx) => this.store.list(tx, tenant.tenantId));
  }

  async get(tenant: TenantRef, id: string): Promise<Team> {
    const team = await this.dbs.forTenant(tenant, (tx) => this.store.find(tx, tenant.tenantId, id));
    if (!team) throw teamNotFound();
    return team;
  }

  create(tenant: TenantRef, input: TeamInput & { name: string }): Promise<Team> {
    return this.dbs.forTenant(tenant, async (tx) => {
      // Counted under the organization's lock, so concurrent creations cannot pass the limit together.
      await tx.query(`select 1 from tenants where tenant_id = $1 for update`, [tenant.tenantId]);
      if ((await this.store.count(tx, tenant.tenantId)) >= MAX_TEAMS) throw conflict('TOO_MANY_TEAMS', `An organization can have at most ${MAX_TEAMS} teams`);
      const id = await this.store.insert(tx, tenant.tenantId, input.name);
      if (!id) throw nameTaken();
      await this.store.update(tx, tenant.tenantId, id, { assignmentPolicy: input.assignmentPolicy, agentCapacity: input.agentCapacity });
      await this.applySets(tx, tenant.tenantId, id, input);
      return (await this.store.find(tx, tenant.tenantId, id))!;
    });
  }

  async update(tenant: TenantRef, id: string, input: TeamInput): Promise<Team> {
    try {
      return await this.dbs.forTenant(tenant, async (tx) => {
        if (!(await this.store.update(tx, tenant.tenantId, id, input))) throw teamNotFound();
        await this.applySets(tx, tenant.tenantId, id, input);
        return (await this.store.find(tx, tenant.tenantId, id))!;
      });
    } catch (err) {
      if (sqlState(err) === '23505') throw nameTaken();
      throw err;
    }
  }

  /** Its channels and conversations are left without a team; nobody loses access to anything assigned to them. */
  async remove(tenant: TenantRef, id: string): Promise<void> {
    const gone = await this.dbs.forTenant(tenant, (tx) => this.store.delete(tx, tenant.tenantId, id));
    if (!gone) throw teamNotFound();
  }

  addMember(tenant: TenantRef, teamId: string, userId: string): Promise<Team> {
    return this.dbs.forTenant(tenant, async (tx) => {
      if (!(await this.store.find(tx, tenant.tenantId, teamId))) throw teamNotFound();
      await this.checkUsers(tx, tenant.tenantId, [userId]);
      await this.store.addMembers(tx, tenant.tenantId, [teamId], [userId]);
      return (await this.store.find(tx, tenant.tenantId, teamId))!;
    });
  }

  async removeMember(tenant: TenantRef, teamId: string, userId: string): Promise<void> {
    await this.dbs.forTenant(tenant, async (tx) => {
      if (!(await this.store.find(tx, tenant.tenantId, teamId))) throw teamNotFound();
      if (!(await this.store.removeMember(tx, tenant.tenantId, teamId, userId))) throw notFound('USER_NOT_FOUND', 'This user is not a member of the team');
    });
  }

  restrictedVisibility(tenant: TenantRef): Promise<boolean> {
    return this.dbs.forTenant(tenant, (tx) => this.store.restrictedVisibility(tx, tenant.tenantId));
  }

  async setRestrictedVisibility(tenant: TenantRef, restricted: boolean): Promise<boolean> {
    await this.dbs.forTenant(tenant, (tx) => this.store.setRestrictedVisibility(tx, tenant.tenantId, restricted));
    return restricted;
  }

  private async applySets(tx: EntityManager, tenantId: string, teamId: string, input: TeamInput): Promise<void> {
    if (input.memberIds !== undefined) {
      const ids = [...new Set(input.memberIds)];
      await this.checkUsers(tx, tenantId, ids);
      await this.store.setMembers(tx, tenantId, teamId, ids);
    }
    if (input.channelIds !== undefined) {
      const ids = [...new Set(input.channelIds)];
      if ((await this.store.countChannels(tx, tenantId, ids)) !== ids.length)
        throw invalid('CHANNEL_NOT_FOUND', 'channelIds names a channel this organization does not have');
      await this.store.setChannels(tx, tenantId, teamId, ids);
    }
  }

  private async checkUsers(tx: EntityManager, tenantId: string, ids: string[]): Promise<void> {
    if ((await this.store.countUsers(tx, tenantId, ids)) !== ids.length) throw invalid('TEAM_MEMBER_INVALID', 'A member must be a user of this organization');
  }
}
