import type { Client } from 'pg';
import { CrmSyncEngine } from '../src/integrations/crm/core/crm-sync.engine';
import { RetentionPurgeJob } from '../src/privacy/retention-purge.job';
import { TenantTerminationWorker } from '../src/privacy/tenant-termination.worker';
import { allTables, rowsMentioning } from './support/db-catalog';
import { FakeYclients } from './fakes/fake-yclients.server';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * What the privacy promises mean for CRM data: a ru tenant's CRM rows live only in the ru
 * database; erasing an End User removes the local copies of their CRM client (and they are not
 * synced back); tombstones and the push log expire; termination leaves no CRM row behind.
 */
describe('CRM data and the privacy promises', () => {
  let t: TestApp;
  let fake: FakeYclients;
  let engine: CrmSyncEngine;
  let eu: Client;
  let ru: Client;

  beforeAll(async () => {
    fake = await new FakeYclients().seed(30, 30).start();
    t = await TestApp.start({ WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on' });
    engine = t.app.get(CrmSyncEngine);
    [eu, ru] = await Promise.all([ownerClient('eu'), ownerClient('ru')]);
  });
  afterAll(async () => {
    await Promise.all([eu.end(), ru.end()]);
    await t.close();
    await fake.stop();
  });

  async function connect(owner: TestTenant): Promise<string> {
    const res = await t.request('POST', '/api/integrations', {
      token: owner.token,
      body: {
        kind: 'yclients',
        name: 'Salon',
        config: { baseUrl: `${fake.url}/api/v1`, companyId: String(fake.companyId) },
        credentials: { partnerToken: fake.partnerToken, userToken: fake.userToken },
      },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function traces(
    needles: string[],
    dbs: Array<[string, Client]> = [
      ['eu', eu],
      ['ru', ru],
    ],
  ): Promise<string[]> {
    const found: string[] = [];
    for (const [name, db] of dbs) {
      for (const table of await allTables(db)) {
        for (const needle of needles) if ((await rowsMentioning(db, table, needle)) > 0) found.push(`${name}:${table}:${needle}`);
      }
    }
    return found;
  }

  it("keeps a ru tenant's CRM rows in the ru database only", async () => {
    const owner = await t.signup({ region: 'ru' });
    const client = fake.addClient({ name: 'Резидент Уникальныйов', phone: '79160007701', email: 'resident-7701@example.test' });
    fake.addRecord(client.id);
    const id = await connect(owner);
    await engine.run(owner, id);
    const needles = ['Резидент Уникальныйов', '+79160007701', 'resident-7701@example.test'];
    expect(await traces(needles, [['eu', eu]])).toEqual([]);
    expect(await traces(needles, [['ru', ru]])).toEqual(
      expect.arrayContaining(['ru:public.crm_records:Резидент Уникальныйов', 'ru:public.crm_records:+79160007701']),
    );
    const { rows } = await eu.query(`select count(*)::int as n from crm_records where tenant_id = $1`, [owner.tenantId]);
    expect(rows[0].n).toBe(0);
    // The directory knows the integration's id, tenant and region: no personal data.
    expect((await eu.query(`select region from directory.integration_routes where integration_id = $1`, [id])).rows).toEqual([{ region: 'ru' }]);
  });

  it("erasing an End User removes their CRM client's local copies, and the sync does not bring them back", async () => {
    const owner = await t.signup();
    const client = fake.addClient({ name: 'Стереть Меняевич', phone: '79160007702', email: 'erase-7702@example.test' });
    fake.addRecord(client.id, { start: Date.now() + 86400_000 });
    const bystander = fake.addClient({ name: 'Останется Клиентов', phone: '79160007703', email: '' });
    const sms = await t.createChannel(owner, 'sms');
    const { conversation } = await t.inbound(owner, sms, { channelKind: 'sms', externalContactId: '+79160007702', text: 'записаться' });
    await t.inbound(owner, sms, { channelKind: 'sms', externalContactId: '+79160007703', text: 'я тоже' });
    const id = await connect(owner);
    await engine.run(owner, id);
    const needles = ['Стереть Меняевич', '79160007702', 'erase-7702@example.test'];
    expect(await traces(needles)).not.toEqual([]);

    const erased = await t.request('DELETE', `/api/contacts/${conversation.contactId}`, { token: owner.token });
    expect(erased.status).toBe(200);
    expect(await traces(needles)).toEqual([]);
    const [receipt] = (await eu.query(`select counts from deletion_receipts where tenant_id = $1`, [owner.tenantId])).rows;
    expect(receipt.counts).toMatchObject({ crm_records: 2, crm_links: 1 });

    // The CRM still has them (it is the Customer's); the sync does not store them again.
    await engine.run(owner, id, { force: true });
    expect(await traces(needles)).toEqual([]);
    expect(await traces(['Останется Клиентов'])).not.toEqual([]);
    expect(fake.clients.has(bystander.id)).toBe(true);
  });

  it('tombstones hold no personal data and expire with the push log', async () => {
    const owner = await t.signup();
    const client = fake.addClient({ name: 'Удалённый Клиентов', phone: '79160007704', email: 'gone-7704@example.test' });
    const id = await connect(owner);
    await engine.run(owner, id);
    fake.updateClient(client.id, { deleted: true });
    await engine.run(owner, id, { force: true });
    const [row] = (
      await eu.query(`select deleted, phone, email, data from crm_records where tenant_id = $1 and entity = 'client' and external_id = $2`, [
        owner.tenantId,
        String(client.id),
      ])
    ).rows;
    expect(row).toMatchObject({
      deleted: true,
      phone: null,
      email: null,
      data: { externalId: String(client.id), name: null, phone: null, email: null, deleted: true },
    });
    expect(await traces(['Удалённый Клиентов', '79160007704'])).toEqual([]);

    await eu.query(`update crm_records set synced_at = now() - interval '31 days' where tenant_id = $1 and deleted`, [owner.tenantId]);
    const counts = await t.app.get(RetentionPurgeJob).run();
    expect(counts.crm_records).toBeGreaterThanOrEqual(1);
    expect((await eu.query(`select count(*)::int as n from crm_records where tenant_id = $1 and deleted`, [owner.tenantId])).rows[0].n).toBe(0);
    expect((await eu.query(`select count(*)::int as n from crm_records where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBeGreaterThan(0);
  });

  it('termination leaves no CRM row of the tenant in any database', async () => {
    const owner = await t.signup({ region: 'ru', organizationName: 'Closing Salon' });
    const id = await connect(owner);
    await engine.run(owner, id);
    expect((await ru.query(`select count(*)::int as n from crm_records where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBeGreaterThan(0);
    const res = await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: 'Closing Salon' } });
    expect(res.status).toBe(202);
    // Sync stops with the organization: its integration is no longer scheduled.
    expect(
      (
        await eu.query(
          `select count(*)::int as n from directory.integration_routes r join directory.tenants t using (tenant_id) where r.integration_id = $1 and t.terminating_at is null`,
          [id],
        )
      ).rows[0].n,
    ).toBe(0);
    await t.app.get(TenantTerminationWorker).drain();
    for (const table of ['crm_connections', 'crm_sync_state', 'crm_records', 'crm_links', 'crm_deliveries', 'crm_suppressed_clients']) {
      expect({ table, n: (await ru.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [owner.tenantId])).rows[0].n }).toEqual({
        table,
        n: 0,
      });
    }
    expect((await eu.query(`select count(*)::int as n from directory.integration_routes where integration_id = $1`, [id])).rows[0].n).toBe(0);
  });
});
