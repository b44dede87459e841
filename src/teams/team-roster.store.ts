import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TeamRoster } from '../tenancy/team-roster';
import { TeamStore } from './team.store';

/** See TeamRoster: an invitation's teams. */
@Injectable()
export class TeamsTeamRoster extends TeamRoster {
  constructor(private readonly store: TeamStore) {
    super();
  }

  async allExist(tx: EntityManager, tenantId: string, teamIds: string[]): Promise<boolean> {
    const ids = [...new Set(teamIds)];
    return (await this.store.countExisting(tx, tenantId, ids)) === ids.length;
  }

  async join(tx: EntityManager, tenantId: string, userId: string, teamIds: string[]): Promise<void> {
    // A team deleted since the invitation was sent is skipped: the rest still apply.
    const ids = [...new Set(teamIds)];
    const existing = await tx.query(`select id from teams where tenant_id = $1 and id = any($2::uuid[])`, [tenantId, ids]);
    await this.store.addMembers(
      tx,
      tenantId,
      existing.map((r: { id: string }) => r.id),
      [userId],
    );
  }
}
