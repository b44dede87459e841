import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { invalid } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import type { Principal } from '../tenancy/principal';
import { AgentState, AssignmentStore, Availability } from './assignment.store';
import { AutoAssigner } from './auto-assigner.service';

/** An agent with no dashboard open (no live event stream) this long goes offline by itself. */
export const OFFLINE_AFTER_MS = 5 * 60_000;

/** Who is online, away or offline, and how much each holds. */
@Injectable()
export class AvailabilityService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly store: AssignmentStore,
    private readonly assigner: AutoAssigner,
  ) {}

  list(tenant: TenantRef): Promise<AgentState[]> {
    return this.dbs.forTenant(tenant, (tx) => this.store.agents(tx, tenant.tenantId));
  }

  /** The caller sets their own status; coming online takes what waits in their teams' queues. */
  async set(actor: Principal, availability: Availability): Promise<AgentState> {
    if (actor.apiKeyId) throw invalid('NOT_A_PERSON', 'An API key has no availability');
    const [state] = await this.dbs.forTenant(actor, async (tx) => {
      await this.store.setAvailability(tx, actor.tenantId, actor.userId, availability);
      return this.store.agents(tx, actor.tenantId, actor.userId);
    });
    if (availability === 'online') this.assigner.freed(actor);
    return state;
  }
}
