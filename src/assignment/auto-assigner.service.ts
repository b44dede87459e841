import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { DomainEvents } from '../common/domain-events.service';
import { RefreshingCache } from '../common/refreshing-cache';
import { ConversationRouter } from '../conversations/conversation-router';
import { RegionDatabases } from '../database/region-databases';
import { AfterCommitWork } from '../common/after-commit-work';
import { NotificationService } from '../notifications/notification.service';
import { AssignmentStore, AutoTeam, Candidate } from './assignment.store';

/** Picks the member a conversation of `team` goes to, or none when every one is at capacity. */
export function choose(team: AutoTeam, candidates: readonly Candidate[]): Candidate | undefined {
  const eligible = candidates.filter((c) => c.teamId === team.id && (team.capacity === null || c.load < team.capacity));
  const turn = (c: Candidate) => c.lastAssignedAt?.getTime() ?? -Infinity;
  return eligible.sort(
    (a, b) => (team.policy === 'least_loaded' ? a.load - b.load : 0) || turn(a) - turn(b) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
  )[0];
}

/**
 * Automatic assignment: a conversation that arrives or reopens in a team with a policy goes at
 * once to an eligible online member; when none is, it waits in the team's queue and goes to the
 * first one who becomes free (comes online, resolves or hands back a conversation). One
 * organization's assignments happen one at a time under a database lock, so several app
 * instances never give an agent more than their capacity nor a conversation twice.
 */
@Injectable()
export class AutoAssigner extends ConversationRouter implements OnModuleDestroy {
  private readonly log = new Logger(AutoAssigner.name);
  private readonly work = new AfterCommitWork(this.log, 'automatic assignment');
  /**
   * Whether an organization has a team with a policy: most have none, and their inbound messages
   * should cost no extra transaction. A policy turned on shows within the TTL (the sweep's period).
   */
  private readonly automatic = new RefreshingCache<{ on: boolean }, TenantRef>({
    max: 10_000,
    ttlMs: 30_000,
    load: async (_, tenant) => ({ on: (await this.dbs.forTenant(tenant, (tx) => this.store.autoTeams(tx, tenant.tenantId))).length > 0 }),
  });

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly store: AssignmentStore,
    private readonly events: DomainEvents,
    private readonly notifications: NotificationService,
  ) {
    super();
  }

  arrived(tenant: TenantRef, conversationIds: string[]): void {
    if (conversationIds.length > 0) this.background(tenant, conversationIds, true);
  }

  freed(tenant: TenantRef): void {
    this.background(tenant, undefined, false);
  }

  /** Resolves once the assignments started so far are done (tests, shutdown). */
  settled(): Promise<void> {
    return this.work.settled();
  }

  async onModuleDestroy(): Promise<void> {
    await this.settled();
  }

  private background(tenant: TenantRef, ids: string[] | undefined, ifAutomatic: boolean): void {
    // Jobs and requests hand over their own TenantRef (a principal, perhaps): keep only the tenant.
    const ref = { tenantId: tenant.tenantId, region: tenant.region };
    this.work.start(
      ref.tenantId,
      () => (ifAutomatic ? this.automatic.get(ref.tenantId, ref) : Promise.resolve({ on: true })).then(({ on }) => (on ? this.assign(ref, ids) : 0)),
      '; the sweep retries',
    );
  }

  /**
   * Assigns what waits in the organization's automatic teams' queues (only `ids` among them, when
   * given) to eligible online members; answers how many were assigned.
   */
  async assign(tenant: TenantRef, ids?: string[]): Promise<number> {
    const made = await this.dbs.unitOfWork(tenant, async (tx) => {
      const teams = await this.store.autoTeams(tx, tenant.tenantId);
      if (teams.length === 0) return [];
      const teamIds = teams.map((t) => t.id);
      // Nothing waits: no need to queue behind the lock.
      if ((await this.store.waiting(tx, tenant.tenantId, teamIds, ids)).length === 0) return [];
      await this.store.lock(tx, tenant.tenantId);
      const waiting = await this.store.waiting(tx, tenant.tenantId, teamIds, ids);
      const candidates = await this.store.candidates(tx, tenant.tenantId, teamIds);
      const byId = new Map(teams.map((t) => [t.id, t]));
      const assigned: Array<{ id: string; userId: string }> = [];
      for (const w of waiting) {
        const pick = choose(byId.get(w.teamId)!, candidates);
        if (!pick) continue;
        if (!(await this.store.assign(tx, tenant.tenantId, w.id, w.teamId, pick.userId))) continue;
        // The agent's load counts in every team they belong to.
        for (const c of candidates) if (c.userId === pick.userId) c.load++;
        pick.lastAssignedAt = new Date();
        assigned.push({ id: w.id, userId: pick.userId });
        this.events.publish({
          tenantId: tenant.tenantId,
          region: tenant.region,
          type: 'conversation.updated',
          data: { id: w.id, status: 'open', assigneeId: pick.userId },
        });
      }
      return assigned;
    });
    for (const a of made) {
      await this.notifications.notifyUsers(tenant, [a.userId], {
        kind: 'conversation.assigned',
        conversationId: a.id,
        message: 'A conversation was assigned to you',
      });
    }
    return made.length;
  }
}
