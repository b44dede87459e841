import { SecretBox } from '../../libs/crypto/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { webhookSecretContext } from './webhook-subscription.service';

/**
 * Re-encrypts every webhook signing secret under the newest master key, tenant by tenant (row-level
 * security stays on). Run with the channel credentials by `npm run secrets:rotate`; safe to rerun.
 */
export async function rotateWebhookSecrets(dbs: RegionDatabases, box: SecretBox): Promise<{ total: number; rewrapped: number }> {
  const tenants = await rows<{ tenant_id: string; region: string }>(dbs.directory(), `select tenant_id, region from directory.tenants order by region, tenant_id`);
  const result = { total: 0, rewrapped: 0 };
  for (const t of tenants) {
    if (!dbs.hasRegion(t.region)) continue;
    await dbs.forTenant({ tenantId: t.tenant_id, region: t.region }, async (tx) => {
      const subs = await rows<{ id: string; secret: string }>(tx, `select id, secret from webhook_subscriptions where tenant_id = $1 for update`, [t.tenant_id]);
      for (const s of subs) {
        result.total++;
        if (!box.needsRewrap(s.secret)) continue;
        const sealed = box.rewrap(s.secret, webhookSecretContext(t.tenant_id, s.id));
        await tx.query(`update webhook_subscriptions set secret = $3 where tenant_id = $1 and id = $2`, [t.tenant_id, s.id, sealed]);
        result.rewrapped++;
      }
    });
  }
  return result;
}
