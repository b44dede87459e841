import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ChannelKind, forbidden } from '../../libs/domain/src';
import { ProcessingPurpose, decide } from '../../libs/policy/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import type { Principal } from '../tenancy/principal';
import { AuditLog } from '../audit/audit-log.store';

const PURPOSE_KEY = 'mm:purpose';

/** Declares what a route processes data for; PurposeGuard holds it against the policy table. */
export const Purpose = (purpose: ProcessingPurpose) => SetMetadata(PURPOSE_KEY, purpose);

/**
 * Refuses a route whose declared purpose the tenant's data may never serve, whatever consent
 * exists (e.g. profiling on Messenger data), and audits the refusal. Purposes that are allowed
 * with consent pass here; the service then checks consent record by record.
 */
@Injectable()
export class PurposeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly dbs: RegionDatabases,
    private readonly audit: AuditLog,
    private readonly adapters: ChannelAdapters,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const purpose = this.reflector.getAllAndOverride<ProcessingPurpose | undefined>(PURPOSE_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!purpose) return true;
    const req = ctx.switchToHttp().getRequest();
    const p: Principal = req.user;
    const kinds = await this.dbs.forTenant(p, (tx) => rows<{ kind: ChannelKind }>(tx, `select distinct kind from channels where tenant_id = $1`, [p.tenantId]));
    const refusal = kinds.map((k) => decide(this.adapters.dataOrigin(k.kind), purpose, { consent: true })).find((d) => !d.allowed);
    if (!refusal || refusal.allowed) return true;
    await this.audit.recordAlone(p, {
      actor: `${p.role === 'operator' ? 'operator' : 'user'}:${p.userId}`,
      action: `purpose.${purpose}`,
      subject: `route:${req.method} ${(req.url ?? '').split('?')[0]}`,
      decision: 'deny',
      reason: refusal.reason,
    });
    throw forbidden('PURPOSE_NOT_PERMITTED', refusal.reason);
  }
}
