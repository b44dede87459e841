import type { SqlRow } from '../database/sql';
import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { notFound } from '../../libs/domain/src';
import type { EntityManager } from 'typeorm';
import { RegionDatabases } from '../database/region-databases';

/** `whatsapp_marketing`: the End User's choice about marketing messages, as WhatsApp reports it (user_preferences). */
export const CONSENT_PURPOSES = ['whatsapp_opt_in', 'whatsapp_marketing', 'crm_enrichment', 'data_export'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export interface Consent {
  purpose: ConsentPurpose;
  granted: boolean;
  source: string;
  recordedAt: Date;
  recordedBy: string | null;
}

/** An End User's recorded consents: what, granted or withdrawn, where it came from, when, by whom. */
@Injectable()
export class ConsentService {
  constructor(private readonly dbs: RegionDatabases) {}

  async hasOptIn(tenant: TenantRef, contactId: string, purpose: ConsentPurpose): Promise<boolean> {
    const [row] = await this.dbs.forTenant(tenant, (tx) =>
      tx.query(`select granted from contact_consents where tenant_id = $1 and contact_id = $2 and purpose = $3`, [tenant.tenantId, contactId, purpose]),
    );
    return row?.granted === true;
  }

  async record(
    tenant: TenantRef,
    contactId: string,
    by: string,
    consents: Array<{ purpose: ConsentPurpose; granted: boolean; source: string }>,
  ): Promise<Consent[]> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const [contact] = await tx.query(`select id from contacts where tenant_id = $1 and id = $2 for update`, [tenant.tenantId, contactId]);
      if (!contact) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');
      for (const c of consents) {
        await tx.query(
          `insert into contact_consents (tenant_id, contact_id, purpose, granted, source, recorded_by) values ($1, $2, $3, $4, $5, $6)
           on conflict (tenant_id, contact_id, purpose) do update set granted = excluded.granted, source = excluded.source,
             recorded_at = now(), recorded_by = excluded.recorded_by`,
          [tenant.tenantId, contactId, c.purpose, c.granted, c.source, by],
        );
      }
      return this.current(tx, tenant, contactId);
    });
  }

  /** The contact's consents as last recorded (404 for a contact this tenant does not have). */
  async list(tenant: TenantRef, contactId: string): Promise<Consent[]> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const [contact] = await tx.query(`select id from contacts where tenant_id = $1 and id = $2`, [tenant.tenantId, contactId]);
      if (!contact) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');
      return this.current(tx, tenant, contactId);
    });
  }

  private async current(tx: EntityManager, tenant: TenantRef, contactId: string): Promise<Consent[]> {
    const rows = await tx.query(
      `select purpose, granted, source, recorded_at, recorded_by from contact_consents where tenant_id = $1 and contact_id = $2 order by purpose`,
      [tenant.tenantId, contactId],
    );
    return rows.map((r: SqlRow) => ({
      purpose: r.purpose,
      granted: r.granted,
      source: r.source,
      recordedAt: r.recorded_at,
      recordedBy: r.recorded_by,
    }));
  }
}
