import { SecretBox } from '../../../libs/crypto/src';
import { RegionDatabases } from '../../database/region-databases';
import { rows } from '../../database/sql';
import { TenantDirectory } from '../../tenancy/tenant-directory.store';
import { channelSecretContext } from './channel.service';

export interface RotationProgress {
  total: number;
  done: number;
  rewrapped: number;
}

/**
 * Re-encrypts every stored channel credential under the newest master key, tenant by tenant
 * (row-level security stays on: each tenant's rows are read in its own context). Safe to rerun:
 * what is already under the newest key is left alone.
 */
export async function rotateChannelCredentials(
  dbs: RegionDatabases,
  box: SecretBox,
  onProgress: (p: RotationProgress) => void = () => undefined,
): Promise<RotationProgress> {
  const tenants = await new TenantDirectory(dbs).allTenants();
  const counts = await Promise.all(
    tenants.map(async (tenant) => {
      if (!dbs.hasRegion(tenant.region)) return { tenant, n: 0 };
      const [{ n }] = await dbs.forTenant(tenant, (tx) =>
        rows<{ n: number }>(tx, `select count(*)::int as n from channels where tenant_id = $1 and credentials is not null`, [tenant.tenantId]),
      );
      return { tenant, n };
    }),
  );
  const progress: RotationProgress = { total: counts.reduce((a, c) => a + c.n, 0), done: 0, rewrapped: 0 };
  onProgress(progress);
  for (const { tenant, n } of counts) {
    if (n === 0) continue;
    await dbs.forTenant(tenant, async (tx) => {
      const channels = await rows<{ id: string; credentials: string }>(
        tx,
        `select id, credentials from channels where tenant_id = $1 and credentials is not null for update`,
        [tenant.tenantId],
      );
      for (const c of channels) {
        if (box.needsRewrap(c.credentials)) {
          const sealed = box.rewrap(c.credentials, channelSecretContext(tenant.tenantId, c.id));
          await tx.query(`update channels set credentials = $3, updated_at = now() where tenant_id = $1 and id = $2`, [tenant.tenantId, c.id, sealed]);
          progress.rewrapped++;
        }
        progress.done++;
        onProgress(progress);
      }
    });
  }
  return progress;
}

/** The master key ids the stored channel credentials are sealed under (the kid inside each ciphertext). */
export async function channelCredentialKeyIds(dbs: RegionDatabases): Promise<Set<string>> {
  const tenants = await rows<{ tenant_id: string; region: string }>(dbs.directory(), `select tenant_id, region from directory.tenants`);
  const kids = new Set<string>();
  await Promise.all(
    tenants
      .filter((t) => dbs.hasRegion(t.region))
      .map(async (t) => {
        const found = await dbs.forTenant({ tenantId: t.tenant_id, region: t.region }, (tx) =>
          rows<{ kid: string }>(tx, `select distinct split_part(credentials, '.', 2) as kid from channels where tenant_id = $1 and credentials is not null`, [
            t.tenant_id,
          ]),
        );
        for (const { kid } of found) kids.add(kid);
      }),
  );
  return kids;
}
