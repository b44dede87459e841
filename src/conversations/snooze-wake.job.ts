import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { Clock, TenantRef } from '../../libs/domain/src';
import { DomainEvents } from '../common/domain-events.service';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { TenantDirectory } from '../tenancy/tenant-directory.store';

export const SNOOZE_LOCK_KEY = 7_274_173_013;

/**
 * Reopens snoozed conversations whose `snoozedUntil` has come (an inbound message reopens one
 * earlier, as it always did). Every minute, one instance per region at a time (advisory lock);
 * `run` is what tests call after moving the Clock.
 */
@Injectable()
export class SnoozeWakeJob {
  private readonly log = new Logger(SnoozeWakeJob.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE)
  async scheduled(): Promise<void> {
    if (!this.config.workersEnabled) return;
    await this.run().catch((err) => this.log.error(`snooze wake-up failed: ${(err as Error).message}`));
  }

  /** Answers how many conversations were reopened, in every region this instance could lock. */
  async run(): Promise<number> {
    let reopened = 0;
    for (const region of this.dbs.regions()) {
      const lock = this.dbs.region(region).createQueryRunner();
      await lock.connect();
      try {
        const [{ locked }] = await lock.query(`select pg_try_advisory_lock($1) as locked`, [SNOOZE_LOCK_KEY]);
        if (!locked) continue; // another instance is on it
        try {
          for (const tenant of await this.directory.tenantsIn(region)) reopened += await this.wake(tenant);
        } finally {
          await lock.query(`select pg_advisory_unlock($1)`, [SNOOZE_LOCK_KEY]);
        }
      } finally {
        await lock.release();
      }
    }
    return reopened;
  }

  private async wake(tenant: TenantRef): Promise<number> {
    const woken = await this.dbs.unitOfWork(tenant, async (tx) => {
      // Locked in id order first, as every writer of several conversations locks them (migration
      // ConversationLockOrder): found by time, they were locked in the order of their snooze, and an
      // inbound batch writing two of them deadlocked with the wake-up (test conversation-lock-order).
      const found = await rows<{ id: string; assignee_id: string | null }>(
        tx,
        `update conversations c set status = 'open', snoozed_until = null, updated_at = now()
         from (select id from conversations where tenant_id = $1 and status = 'snoozed' and snoozed_until <= $2 order by id for no key update) due
         where c.tenant_id = $1 and c.id = due.id
         returning c.id, c.assignee_id`,
        [tenant.tenantId, this.clock.now()],
      );
      for (const c of found)
        this.events.publish({
          tenantId: tenant.tenantId,
          region: tenant.region,
          type: 'conversation.updated',
          data: { id: c.id, status: 'open', assigneeId: c.assignee_id },
        });
      return found;
    });
    return woken.length;
  }
}
