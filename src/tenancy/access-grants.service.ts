import { Injectable } from '@nestjs/common';
import { Clock, notFound } from '../../libs/domain/src';
import { AuditLog } from '../audit/audit-log.store';
import { RegionDatabases } from '../database/region-databases';
import { AccessGrant, AccessGrantStore } from './access-grant.store';
import type { Principal } from './principal';

/** The Customer's side of support access: grant, list, revoke, each change in the audit log with it. */
@Injectable()
export class AccessGrantsService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly grants: AccessGrantStore,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  grant(p: Principal, input: { minutes: number; reason: string }): Promise<AccessGrant> {
    return this.dbs.forTenant(p, async (tx) => {
      const grant = await this.grants.insert(tx, p.tenantId, {
        grantedBy: p.userId,
        reason: input.reason,
        expiresAt: new Date(this.clock.now().getTime() + input.minutes * 60_000),
      });
      await this.audit.record(tx, p.tenantId, {
        actor: `user:${p.userId}`,
        action: 'access_grant.create',
        subject: `access_grant:${grant.id}`,
        decision: 'allow',
        reason: input.reason,
      });
      return grant;
    });
  }

  list(p: Principal): Promise<AccessGrant[]> {
    return this.grants.list(p);
  }

  revoke(p: Principal, id: string): Promise<{ id: string; revokedAt: Date }> {
    return this.dbs.forTenant(p, async (tx) => {
      const grant = await this.grants.revoke(tx, p.tenantId, id);
      if (!grant) throw notFound('ACCESS_GRANT_NOT_FOUND', 'Access grant not found');
      await this.audit.record(tx, p.tenantId, { actor: `user:${p.userId}`, action: 'access_grant.revoke', subject: `access_grant:${id}`, decision: 'allow' });
      return grant;
    });
  }
}
