import { Injectable, Logger } from '@nestjs/common';
import { TenantRef, invalid } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { AuditLog } from './audit-log';
import { ErasureCounts } from './erasure.service';

const BATCH = 5000;
// The big tables go first, in short batches; the rest follows the tenant row by cascade.
const BULKY = ['messages', 'inbound_events', 'notes', 'conversations', 'contact_identities', 'contacts'];

/**
 * Account termination: everything the tenant stored is purged, in its region and in the
 * directory. The audit log stays: it holds ids and decisions, no personal data, and is the
 * record that the termination happened.
 */
@Injectable()
export class TenantTerminationService {
  private readonly log = new Logger(TenantTerminationService.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly audit: AuditLog,
  ) {}

  async terminate(tenant: TenantRef, actorId: string, confirmName: string): Promise<ErasureCounts> {
    const row = await this.dbs.forTenant(tenant, (tx) => firstRow<{ name: string }>(tx, `select name from tenants where tenant_id = $1`, [tenant.tenantId]));
    if (!row || row.name !== confirmName) throw invalid('CONFIRMATION_MISMATCH', 'Type the organization name exactly to confirm the termination');
    await this.audit.recordAlone(tenant, { actor: `user:${actorId}`, action: 'tenant.terminate', subject: `tenant:${tenant.tenantId}`, decision: 'allow' });

    const counts: ErasureCounts = {};
    for (const table of BULKY) {
      for (;;) {
        const n = await this.dbs.forTenant(tenant, async (tx) =>
          (await rows(tx, `delete from ${table} where ctid = any(array(select ctid from ${table} where tenant_id = $1 limit ${BATCH})) returning 1`, [tenant.tenantId])).length,
        );
        if (n) counts[table] = (counts[table] ?? 0) + n;
        if (n < BATCH) break;
      }
    }
    await this.dbs.forTenant(tenant, async (tx) => {
      await tx.query(`delete from queue.jobs where tenant_id = $1`, [tenant.tenantId]);
      const gone = await rows(tx, `delete from tenants where tenant_id = $1 returning 1`, [tenant.tenantId]);
      counts.tenants = gone.length;
    });
    // Last: logins and account routes stop resolving only once the data is gone.
    await this.dbs.directory().query(`delete from directory.tenants where tenant_id = $1`, [tenant.tenantId]);
    this.log.log(`tenant ${tenant.tenantId} terminated: ${JSON.stringify(counts)}`);
    return counts;
  }
}
