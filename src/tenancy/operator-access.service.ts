import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Clock, forbidden, isUuid, notFound } from '../../libs/domain/src';
import { AuditLog } from '../audit/audit-log.store';
import { RegionDatabases } from '../database/region-databases';
import { AccessGrantStore } from './access-grant.store';
import type { Principal } from './principal';
import { TenantDirectory } from './tenant-directory.store';

/**
 * Platform staff reach a tenant's data only through a live grant the Customer gave, and only
 * for reading, naming the tenant (X-MM-Tenant) and a reason (X-Access-Reason). Every attempt,
 * admitted or not, lands in that tenant's audit log. Without a grant the tenant's data does not
 * exist for them: 404, as for anything outside one's own tenant.
 */
@Injectable()
export class OperatorAccess {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly grants: AccessGrantStore,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async admit(operator: Principal, req: FastifyRequest): Promise<Principal> {
    const tenantId = String(req.headers['x-mm-tenant'] ?? '');
    const reason = String(req.headers['x-access-reason'] ?? '').trim();
    const hidden = () => notFound('NOT_FOUND', 'Not found');
    if (!isUuid(tenantId)) throw hidden();
    // A terminating organization's data is already out of reach for its own users, and so for staff.
    const region = await this.directory.regionOf(tenantId, { active: true });
    if (!region || !this.dbs.hasRegion(region)) throw hidden();
    const tenant = { tenantId, region };
    const path = (req.url ?? '').split('?')[0].slice(0, 300);
    const actor = `operator:${operator.userId}`;

    const grant = await this.grants.live(tenant, this.clock.now());
    const refusal = !grant ? 'no live access grant' : !reason ? 'no X-Access-Reason given' : req.method !== 'GET' ? 'operators may only read' : null;
    await this.audit.recordAlone(tenant, {
      actor,
      action: `operator.${req.method.toLowerCase()}`,
      subject: path,
      decision: refusal ? 'deny' : 'allow',
      reason: refusal ?? `${reason.slice(0, 500)} (grant ${grant!.id})`,
    });
    if (!grant || !reason) throw hidden();
    if (req.method !== 'GET') throw forbidden('OPERATOR_READ_ONLY', 'Operators may only read tenant data');
    return { tenantId, region, userId: operator.userId, role: 'operator' };
  }
}
