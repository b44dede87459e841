import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Clock, forbidden, isUuid, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';
import { AuditLog } from '../privacy/audit-log';
import type { Principal } from './principal';


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
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async admit(operator: Principal, req: FastifyRequest): Promise<Principal> {
    const tenantId = String(req.headers['x-mm-tenant'] ?? '');
    const reason = String(req.headers['x-access-reason'] ?? '').trim();
    const hidden = () => notFound('NOT_FOUND', 'Not found');
    if (!isUuid(tenantId)) throw hidden();
    // A terminating organization's data is already out of reach for its own users, and so for staff.
    const route = await firstRow<{ region: string }>(this.dbs.directory(), `select region from directory.tenants where tenant_id = $1 and terminating_at is null`, [tenantId]);
    if (!route || !this.dbs.hasRegion(route.region)) throw hidden();
    const tenant = { tenantId, region: route.region };
    const path = (req.url ?? '').split('?')[0].slice(0, 300);
    const actor = `operator:${operator.userId}`;

    const grant = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ id: string }>(tx, `select id from access_grants where tenant_id = $1 and revoked_at is null and expires_at > $2 order by expires_at desc limit 1`, [tenantId, this.clock.now()]),
    );
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
    return { tenantId, region: route.region, userId: operator.userId, role: 'operator' };
  }
}
