import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';

export interface AuditEntry {
  /** Who acted: `user:<id>`, or `system:<component>` for jobs. */
  actor: string;
  /** What was attempted, e.g. `webhook.deliver`, `webhook_subscription.create`. */
  action: string;
  /** What it concerned, e.g. `webhook_subscription:<id>`; no personal data. */
  subject: string;
  decision: 'allow' | 'deny';
  reason?: string | null;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: Date;
}

/**
 * The tenant's append-only audit log: rows are only ever inserted (a trigger refuses UPDATE,
 * DELETE and TRUNCATE, and the app role holds no such privilege). Write an entry in the
 * transaction of the decision it records, so neither exists without the other.
 */
@Injectable()
export class AuditLog {
  constructor(private readonly dbs: RegionDatabases) {}

  async record(tx: EntityManager, tenantId: string, entry: AuditEntry): Promise<void> {
    await tx.query(`insert into audit_log (tenant_id, actor, action, subject, decision, reason) values ($1, $2, $3, $4, $5, $6)`, [
      tenantId,
      entry.actor,
      entry.action,
      entry.subject,
      entry.decision,
      entry.reason ?? null,
    ]);
  }

  /** For a decision that has no transaction of its own (a refused request). */
  recordAlone(tenant: TenantRef, entry: AuditEntry): Promise<void> {
    return this.dbs.forTenant(tenant, (tx) => this.record(tx, tenant.tenantId, entry));
  }

  /** The newest entries first. */
  latest(tenant: TenantRef, limit: number): Promise<AuditRecord[]> {
    return this.dbs.forTenant(tenant, (tx) =>
      rows<AuditRecord>(tx, `select id, at, actor, action, subject, decision, reason from audit_log where tenant_id = $1 order by at desc, id desc limit $2`, [
        tenant.tenantId,
        limit,
      ]),
    );
  }
}
