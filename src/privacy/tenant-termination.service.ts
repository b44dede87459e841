import { Injectable, Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { MediaStore, TenantRef, invalid } from '../../libs/domain/src';
import { AuditLog } from '../audit/audit-log.store';
import { ChannelRoutes, RouteKey } from '../channels/core/channel-routes';
import { isBlankName } from '../common/display-name';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { JobQueue } from '../queue/job-queue.service';
import { WorkSignal } from '../queue/work-signal.service';
import { SessionValidity } from '../tenancy/session-validity.service';
import { TenantDirectory } from '../tenancy/tenant-directory.store';
import { TenantStore } from '../tenancy/tenant.store';
import { DeletionRequestStore } from './deletion-request.store';
import { DEADLINE_DAYS, confirmationCode } from './deletion-requests.service';

const BATCH = 5000;
// The big tables go first, in short batches; the rest follows the tenant row by cascade.
const BULKY = [
  'event_log',
  'messages',
  'inbound_events',
  'notes',
  'conversations',
  'crm_deliveries',
  'crm_links',
  'crm_records',
  'contact_identities',
  'contacts',
];

export interface TerminationStarted {
  confirmationCode: string;
}

/** One run of the purge job: `more` when it stopped at its time budget with work left. */
export type PurgeProgress = 'done' | 'more';

/**
 * The owner confirms with the organization's name as shown (surrounding spaces do not count).
 * Names are refused blank since signup checks them, but an organization made before that may
 * have none: it confirms with its id (GET /api/tenant shows both), so it can still leave.
 */
function confirms(name: string, tenantId: string, typed: string): boolean {
  return isBlankName(name) ? typed.trim() === tenantId : typed.trim() === name.trim();
}

/**
 * Account termination, in two steps. `start` (DELETE /api/tenant) marks the organization
 * terminating, in one transaction with the job that will purge it (and with the directory mark
 * too when the directory shares its database): from then on its tokens and sign-ins are refused,
 * its platform accounts are released and webhooks for them are dropped. `purge` (the durable
 * TenantTerminationWorker) then deletes everything in short batches, is retried until it
 * finishes (a deadlock with concurrent work only delays it), and removes the directory entry
 * last. The audit log stays: it holds ids and decisions, no personal data, and is the record
 * that the termination happened. Progress is public under a deletion request's code.
 */
@Injectable()
export class TenantTerminationService {
  private readonly log = new Logger(TenantTerminationService.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly audit: AuditLog,
    private readonly queue: JobQueue,
    private readonly signal: WorkSignal,
    private readonly routes: ChannelRoutes,
    private readonly sessions: SessionValidity,
    private readonly config: AppConfig,
    private readonly directory: TenantDirectory,
    private readonly tenants: TenantStore,
    private readonly requests: DeletionRequestStore,
    private readonly media: MediaStore,
  ) {}

  async start(tenant: TenantRef, actorId: string, confirmName: string): Promise<TerminationStarted> {
    // The directory lives in the default region's database: a tenant there is marked in one transaction.
    const directoryAlongside = tenant.region === this.config.defaultRegion;
    let marked: { code: string; released: RouteKey[] } | null = null;
    await this.dbs.forTenant(tenant, async (tx) => {
      const row = await this.tenants.lock(tx, tenant.tenantId);
      if (!row || !confirms(row.name, tenant.tenantId, confirmName)) {
        throw invalid('CONFIRMATION_MISMATCH', 'Type the organization name exactly to confirm the termination (an organization without a name: its id)');
      }
      if (!row.terminatingAt) {
        await this.tenants.markTerminating(tx, tenant.tenantId);
        await this.audit.record(tx, tenant.tenantId, {
          actor: `user:${actorId}`,
          action: 'tenant.terminate',
          subject: `tenant:${tenant.tenantId}`,
          decision: 'allow',
        });
        await this.queue.enqueue(tx, 'termination', tenant.tenantId, tenant.tenantId);
      }
      if (directoryAlongside) marked = await this.markInDirectory(tx, tenant.tenantId);
    });
    this.sessions.forgetTenant(tenant.tenantId);
    // Otherwise a second transaction; should it fail, the job repeats it before purging anything.
    const done = marked ?? (await this.dbs.directory().transaction((tx) => this.markInDirectory(tx, tenant.tenantId)));
    this.signal.notify('termination');
    if (!done) throw new Error(`tenant ${tenant.tenantId} has no directory entry`);
    this.routes.forget(done.released);
    return { confirmationCode: done.code };
  }

  /**
   * Purges for at most `budgetMs`, then answers `more` (the job runs again at once) or `done`.
   * Every step can be repeated: a run cut short by an error or a crash loses nothing.
   */
  async purge(tenant: TenantRef, budgetMs: number): Promise<PurgeProgress> {
    const deadline = Date.now() + budgetMs;
    // Null when an earlier run got to the end but died before completing the job: the region part then finds nothing.
    const marked = await this.dbs.directory().transaction((tx) => this.markInDirectory(tx, tenant.tenantId));
    if (marked) this.routes.forget(marked.released);
    this.sessions.forgetTenant(tenant.tenantId);
    const count = (table: string, n: number) => (marked && n ? this.requests.addCount(marked.code, table, n) : undefined);

    for (const table of BULKY) {
      for (;;) {
        const n = await this.dbs.forTenant(
          tenant,
          async (tx) =>
            (
              await rows(tx, `delete from ${table} where ctid = any(array(select ctid from ${table} where tenant_id = $1 limit ${BATCH})) returning 1`, [
                tenant.tenantId,
              ])
            ).length,
        );
        await count(table, n);
        if (n < BATCH) break;
        if (Date.now() > deadline) return 'more';
      }
    }
    const tenants = await this.dbs.forTenant(tenant, async (tx) => {
      await this.queue.discardTenant(tx, tenant.tenantId, 'termination');
      const gone = await this.tenants.delete(tx, tenant.tenantId);
      if (gone)
        await this.audit.record(tx, tenant.tenantId, {
          actor: 'system:termination',
          action: 'tenant.purged',
          subject: `tenant:${tenant.tenantId}`,
          decision: 'allow',
        });
      return gone ? 1 : 0;
    });
    await count('tenants', tenants);
    await count('media_files', await this.media.collect(tenant));
    // Last: logins and account routes stop resolving only once the data is gone.
    const counts = await this.dbs.directory().transaction(async (tx) => {
      const completed = await this.requests.completeTermination(tx, marked?.code ?? null, 'The organization and all its data were deleted');
      await this.directory.unregisterTenant(tenant.tenantId, tx);
      return completed;
    });
    this.log.log(`tenant ${tenant.tenantId} terminated: ${JSON.stringify(counts)}`);
    return 'done';
  }

  /**
   * The directory's part: the tenant is marked, its deletion request exists, its platform
   * accounts are released. Idempotent; null once the directory entry is gone (purge finished).
   */
  private async markInDirectory(tx: EntityManager | DataSource, tenantId: string): Promise<{ code: string; released: RouteKey[] } | null> {
    const code = await this.directory.markTerminating(tx, tenantId, confirmationCode());
    if (!code) return null;
    await this.requests.insertForTermination(tx, code, DEADLINE_DAYS);
    return { code, released: await this.routes.releaseTenant(tenantId, tx) };
  }
}
