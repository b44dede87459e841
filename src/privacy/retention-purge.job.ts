import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { QueryRunner } from 'typeorm';
import { Clock, MediaStore, TenantRef } from '../../libs/domain/src';
import { CRM_PUSH_LOG_DAYS, CRM_TOMBSTONE_DAYS, PROCESSED_EVENT_DAYS, UNSENT_UPLOAD_DAYS, retentionCutoff, retentionDays } from '../../libs/policy/src';
import { UploadStore } from '../media/upload.store';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { HeartbeatPhase, JobHeartbeats } from '../queue/job-heartbeats.store';
import { TenantDirectory } from '../tenancy/tenant-directory.store';
import { RetentionSettingsService } from './retention-settings.service';

export const PURGE_JOB = 'retention-purge';
const LOCK_KEY = 7_274_173_002;
const BATCH = 5000;

export type PurgeCounts = Record<string, number>;

/**
 * Applies retention: purges channels past their post-disconnect deadline, messages past their
 * channel's retention, processed webhook payloads after a week, and what is left orphaned.
 * One instance at a time per region (advisory lock); every delete is a short batch in its own
 * transaction, so ingest keeps flowing while it runs.
 */
@Injectable()
export class RetentionPurgeJob implements OnApplicationBootstrap {
  private readonly log = new Logger(RetentionPurgeJob.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly settings: RetentionSettingsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly directory: TenantDirectory,
    private readonly heartbeats: JobHeartbeats,
    private readonly uploads: UploadStore,
    private readonly media: MediaStore,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.workersEnabled) setTimeout(() => void this.scheduled(), 5_000).unref();
  }

  @Cron(CronExpression.EVERY_HOUR)
  async scheduled(): Promise<void> {
    if (!this.config.workersEnabled) return;
    await this.run().catch((err) => this.log.error(`purge failed: ${(err as Error).message}`));
  }

  /** Runs in every region this instance can lock; returns rows deleted per table. */
  async run(): Promise<PurgeCounts> {
    const counts: PurgeCounts = {};
    for (const region of this.dbs.regions()) {
      const lock = this.dbs.region(region).createQueryRunner();
      await lock.connect();
      try {
        const [{ locked }] = await lock.query(`select pg_try_advisory_lock($1) as locked`, [LOCK_KEY]);
        if (!locked) continue; // another instance is purging this region
        try {
          await this.beat(lock, 'start');
          for (const tenant of await this.directory.tenantsIn(region)) await this.purgeTenant(tenant, counts);
          await this.beat(lock, 'finish');
        } catch (err) {
          await this.beat(lock, 'error', (err as Error).message).catch(() => undefined);
          throw err;
        } finally {
          await lock.query(`select pg_advisory_unlock($1)`, [LOCK_KEY]);
        }
      } finally {
        await lock.release();
      }
    }
    if (Object.values(counts).some((n) => n > 0)) this.log.log(`purged ${JSON.stringify(counts)}`);
    return counts;
  }

  private async purgeTenant(tenant: TenantRef, counts: PurgeCounts): Promise<void> {
    const now = this.clock.now();
    const t = tenant.tenantId;
    const add = (table: string, n: number) => (counts[table] = (counts[table] ?? 0) + n);

    // 1. Disconnected channels past their deadline (30 days Messenger/Instagram, 90 WhatsApp).
    const due = await this.dbs.forTenant(tenant, (tx) =>
      rows<{ id: string }>(tx, `select id from channels where tenant_id = $1 and status = 'disconnected' and purge_after <= $2`, [t, now]),
    );
    for (const { id } of due) {
      add('messages', await this.batched(tenant, `select ctid from messages where tenant_id = $1 and channel_id = $2 limit ${BATCH}`, 'messages', [t, id]));
      add(
        'inbound_events',
        await this.batched(tenant, `select ctid from inbound_events where tenant_id = $1 and channel_id = $2 limit ${BATCH}`, 'inbound_events', [t, id]),
      );
      add(
        'channels',
        await this.dbs.forTenant(tenant, async (tx) => (await rows(tx, `delete from channels where tenant_id = $1 and id = $2 returning id`, [t, id])).length),
      );
    }

    // 2. Messages past their channel's retention, then conversations left empty.
    const settings = await this.settings.get(tenant);
    const channels = await this.dbs.forTenant(tenant, (tx) => rows<{ id: string }>(tx, `select id from channels where tenant_id = $1`, [t]));
    for (const { id } of channels) {
      const days = retentionDays(settings, id);
      if (days === null) continue;
      const cutoff = retentionCutoff(days, now);
      add(
        'messages',
        await this.batched(tenant, `select ctid from messages where tenant_id = $1 and channel_id = $2 and sent_at < $3 limit ${BATCH}`, 'messages', [
          t,
          id,
          cutoff,
        ]),
      );
      add(
        'conversations',
        await this.batched(
          tenant,
          `select ctid from conversations c where tenant_id = $1 and channel_id = $2 and last_message_at < $3
             and not exists (select 1 from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id) limit ${BATCH}`,
          'conversations',
          [t, id, cutoff],
        ),
      );
    }

    // 3. Processed webhook payloads are a delivery buffer, not an archive.
    add(
      'inbound_events',
      await this.batched(
        tenant,
        `select ctid from inbound_events where tenant_id = $1 and received_at < $2 and state = 'done' limit ${BATCH}`,
        'inbound_events',
        [t, retentionCutoff(PROCESSED_EVENT_DAYS, now)],
      ),
    );

    // 3b. Files: uploads nobody sent (their bytes go with the last reference), and puts a client abandoned midway.
    add('uploads', await this.uploads.deleteUnsent(tenant, retentionCutoff(UNSENT_UPLOAD_DAYS, now)));
    add('media_blobs', await this.media.sweep(tenant, retentionCutoff(UNSENT_UPLOAD_DAYS, now)));

    // 4. CRM tombstones (records the CRM deleted) and the push log, once they have served.
    add(
      'crm_records',
      await this.batched(tenant, `select ctid from crm_records where tenant_id = $1 and deleted and synced_at < $2 limit ${BATCH}`, 'crm_records', [
        t,
        retentionCutoff(CRM_TOMBSTONE_DAYS, now),
      ]),
    );
    add(
      'crm_deliveries',
      await this.batched(tenant, `select ctid from crm_deliveries where tenant_id = $1 and completed_at < $2 limit ${BATCH}`, 'crm_deliveries', [
        t,
        retentionCutoff(CRM_PUSH_LOG_DAYS, now),
      ]),
    );

    // 5. Contacts of channels nothing refers to any more; and, under a retention setting,
    //    contacts whose conversations have all been purged (their platform ids and names go with
    //    them), unless they hold a recorded consent, which is itself a record the Customer must
    //    keep. A contact an agent made is directory data: it goes only under the retention
    //    setting, counted from its last change.
    const shortest = [settings.defaultDays, ...Object.values(settings.channels)].filter((d): d is number => d !== null);
    const idleBefore = shortest.length ? retentionCutoff(Math.min(...shortest), now) : null;
    add(
      'contacts',
      await this.batched(
        tenant,
        `select ctid from contacts c where tenant_id = $1
           and not exists (select 1 from conversations v where v.tenant_id = c.tenant_id and v.contact_id = c.id)
           and ((c.origin = 'channel' and not exists (select 1 from contact_identities i where i.tenant_id = c.tenant_id and i.contact_id = c.id))
                or ($2::timestamptz is not null and (case when c.origin = 'agent' then c.updated_at else c.created_at end) < $2
                    and not exists (select 1 from contact_consents k where k.tenant_id = c.tenant_id and k.contact_id = c.id)))
         limit ${BATCH}`,
        'contacts',
        [t, idleBefore],
      ),
    );

    // 6. Files kept outside the database whose blobs went in any step above (or anywhere since the last run).
    add('media_files', await this.media.collect(tenant));
  }

  /** Deletes the rows `select` finds, one short transaction per batch, until none are left. */
  private async batched(tenant: TenantRef, select: string, table: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.dbs.forTenant(
        tenant,
        async (tx) => (await rows(tx, `delete from ${table} where ctid = any(array(${select})) returning 1`, params)).length,
      );
      total += n;
      if (n < BATCH) return total;
    }
  }

  private beat(lock: QueryRunner, phase: HeartbeatPhase, error?: string): Promise<void> {
    return this.heartbeats.beat(lock, PURGE_JOB, phase, this.clock.now(), error);
  }
}
