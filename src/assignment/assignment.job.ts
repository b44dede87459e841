import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { LiveStreams } from '../events/live-streams.service';
import { TenantDirectory } from '../tenancy/tenant-directory.store';
import { AssignmentStore } from './assignment.store';
import { AutoAssigner } from './auto-assigner.service';
import { OFFLINE_AFTER_MS } from './availability.service';

/**
 * Every 30 seconds on every instance: records who has a live stream open here, sends offline those
 * who had none for OFFLINE_AFTER_MS, and assigns what waits in the queues (a conversation whose
 * immediate assignment was lost to a crash, or that waited for an agent who is free now).
 * `run` is what tests call.
 */
@Injectable()
export class AssignmentJob {
  private readonly log = new Logger(AssignmentJob.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly store: AssignmentStore,
    private readonly assigner: AutoAssigner,
    private readonly live: LiveStreams,
    private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_30_SECONDS)
  async scheduled(): Promise<void> {
    if (!this.config.workersEnabled) return;
    await this.run().catch((err) => this.log.error(`assignment sweep failed: ${(err as Error).message}`));
  }

  /** Answers how many agents went offline and how many conversations were assigned. */
  async run(): Promise<{ offline: number; assigned: number }> {
    const live = new Map<string, string[]>();
    for (const u of this.live.users()) live.set(u.tenantId, [...(live.get(u.tenantId) ?? []), u.userId]);
    let offline = 0;
    let assigned = 0;
    for (const region of this.dbs.regions()) {
      for (const tenant of await this.directory.tenantsIn(region)) {
        offline += await this.dbs.forTenant(tenant, async (tx) => {
          const here = live.get(tenant.tenantId);
          if (here) await this.store.markLive(tx, tenant.tenantId, here);
          return (await this.store.markAbsentOffline(tx, tenant.tenantId, OFFLINE_AFTER_MS)).length;
        });
        assigned += await this.assigner.assign(tenant);
      }
    }
    return { offline, assigned };
  }
}
