import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { Clock } from '../../libs/domain/src';
import { EventLogStore } from '../common/event-log.store';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { TenantDirectory } from '../tenancy/tenant-directory.store';

export const EVENT_LOG_TRIM_LOCK_KEY = 7_274_173_019;
const BATCH = 5000;

/**
 * Keeps the event log to its retention (EVENT_LOG_RETENTION_HOURS): a client that stayed away
 * longer gets a reset and refetches over REST. Every ten minutes, one instance per region at a
 * time (advisory lock), in short batches per tenant so writers never wait on it. The log holds
 * no personal data (see EventLogStore), and a terminated tenant's rows go with its tenant row.
 */
@Injectable()
export class EventLogTrimJob {
  private readonly log = new Logger(EventLogTrimJob.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly store: EventLogStore,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_10_MINUTES)
  async scheduled(): Promise<void> {
    if (!this.config.workersEnabled) return;
    await this.run().catch((err) => this.log.error(`event log trim failed: ${(err as Error).message}`));
  }

  /** Answers how many events were deleted, in every region this instance could lock. */
  async run(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.eventLogRetentionHours * 3_600_000);
    let deleted = 0;
    for (const region of this.dbs.regions()) {
      const lock = this.dbs.region(region).createQueryRunner();
      await lock.connect();
      try {
        const [{ locked }] = await lock.query(`select pg_try_advisory_lock($1) as locked`, [EVENT_LOG_TRIM_LOCK_KEY]);
        if (!locked) continue; // another instance is on it
        try {
          for (const tenant of await this.directory.tenantsIn(region)) {
            let n: number;
            do deleted += n = await this.store.trim(tenant, before, BATCH);
            while (n === BATCH);
          }
        } finally {
          await lock.query(`select pg_advisory_unlock($1)`, [EVENT_LOG_TRIM_LOCK_KEY]);
        }
      } finally {
        await lock.release();
      }
    }
    if (deleted > 0) this.log.log(`trimmed ${deleted} events older than ${this.config.eventLogRetentionHours} h`);
    return deleted;
  }
}
