import { Injectable } from '@nestjs/common';
import { SecretBox } from '../../../libs/crypto/src';
import { RegionDatabases } from '../../database/region-databases';
import { TenantDirectory } from '../../tenancy/tenant-directory.store';
import type { SealedSecretColumn } from './integration-target';
import { IntegrationTargets } from './integration-targets.registry';

/**
 * Endpoints' secrets (signing secrets, CRM credentials), sealed by the app's SecretBox under the
 * newest master key and bound to their row; shown to nobody after they are stored.
 */
@Injectable()
export class IntegrationSecrets {
  constructor(
    private readonly box: SecretBox,
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly targets: IntegrationTargets,
  ) {}

  seal(column: SealedSecretColumn, tenantId: string, endpointId: string, secret: string): string {
    return this.box.encrypt(secret, column.context(tenantId, endpointId));
  }

  open(column: SealedSecretColumn, tenantId: string, endpointId: string, sealed: string): string {
    return this.box.decryptString(sealed, column.context(tenantId, endpointId));
  }

  /** The master key ids every target's sealed secrets are under (the kid inside each ciphertext). */
  async keyIds(): Promise<Set<string>> {
    const columns = this.targets.all().flatMap((t) => (t.secrets ? [t.secrets] : []));
    const kids = new Set<string>();
    if (columns.length === 0) return kids;
    for (const tenant of await this.directory.allTenants()) {
      if (!this.dbs.hasRegion(tenant.region)) continue;
      await this.dbs.forTenant(tenant, async (tx) => {
        for (const column of columns) for (const s of await column.all(tx, tenant.tenantId)) kids.add(s.sealed.split('.')[1] ?? '');
      });
    }
    return kids;
  }

  /**
   * Re-encrypts every target's sealed secrets under `box`'s newest master key, tenant by tenant
   * (row-level security stays on). Run with the channel credentials by `npm run secrets:rotate`;
   * safe to rerun: what is already under the newest key is left alone.
   */
  async rotate(box: SecretBox = this.box): Promise<{ total: number; rewrapped: number }> {
    const columns = this.targets.all().flatMap((t) => (t.secrets ? [t.secrets] : []));
    const result = { total: 0, rewrapped: 0 };
    if (columns.length === 0) return result;
    for (const tenant of await this.directory.allTenants()) {
      if (!this.dbs.hasRegion(tenant.region)) continue;
      await this.dbs.forTenant(tenant, async (tx) => {
        for (const column of columns) {
          for (const s of await column.all(tx, tenant.tenantId)) {
            result.total++;
            if (!box.needsRewrap(s.sealed)) continue;
            await column.replace(tx, tenant.tenantId, s.endpointId, box.rewrap(s.sealed, column.context(tenant.tenantId, s.endpointId)));
            result.rewrapped++;
          }
        }
      });
    }
    return result;
  }
}
