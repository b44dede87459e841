import { CrmDeliveryWorker } from '../src/integrations/crm/core/crm-delivery.worker';
import { CrmSyncEngine } from '../src/integrations/crm/core/crm-sync.engine';
import { FakeYclients } from './fakes/fake-yclients.server';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * Contacts and CRM clients: linked by E.164 phone or e-mail whichever side appears first, shown
 * next to the conversation; End Users who write in and are no client yet are pushed to the CRM
 * through the outbox (Meta and WhatsApp contacts only with their crm_enrichment consent), and a
 * pushed client is not pulled back as new.
 */
describe('CRM links and pushes', () => {
  let t: TestApp;
  let fake: FakeYclients;
  let engine: CrmSyncEngine;
  let pushes: CrmDeliveryWorker;

  beforeAll(async () => {
    fake = await new FakeYclients().seed(40, 60).start();
    t = await TestApp.start({ WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on' });
    engine = t.app.get(CrmSyncEngine);
    pushes = t.app.get(CrmDeliveryWorker);
  });
  afterAll(async () => {
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

  const query = async (owner: TestTenant, sql: string, params: unknown[] = []) => {
    const c = await ownerClient(owner.region);
    try {
      return (await c.query(sql, [owner.tenantId, ...params])).rows;
    } finally {
      await c.end();
    }
  };

  const e164 = (digits: string) => `+${digits}`;

  it('links a contact to the CRM client with its phone number and shows upcoming appointments', async () => {
    const owner = await t.signup();
    const sms = await t.createChannel(owner, 'sms');
    const client = [...fake.clients.values()][3];
    const upcoming = fake.addRecord(client.id, { start: Date.now() + 2 * 86400_000 });
    fake.addRecord(client.id, { start: Date.now() - 2 * 86400_000 });
    const { conversation } = await t.inbound(owner, sms, { channelKind: 'sms', externalContactId: e164(client.phone) });
    const id = await connect(owner);
    await engine.run(owner, id);

    const view = await t.request('GET', `/api/contacts/${conversation.contactId}/crm`, { token: owner.token });
    expect(view.status).toBe(200);
    expect(view.body.items).toHaveLength(1);
    expect(view.body.items[0]).toMatchObject({
      integration: { id, kind: 'yclients', name: 'Salon' },
      matchedBy: 'phone',
      client: { externalId: String(client.id), name: client.name, phone: e164(client.phone) },
    });
    expect(view.body.items[0].upcomingAppointments.map((a: any) => a.externalId)).toContain(String(upcoming.id));
    expect(view.body.items[0].upcomingAppointments.every((a: any) => new Date(a.startsAt).getTime() >= Date.now() - 60_000)).toBe(true);

    // The conversation carries it in short, in its own payload and in the inbox list; an unlinked one carries null.
    const unlinked = await t.inbound(owner, sms, { channelKind: 'sms', externalContactId: '+15550009999' });
    const next = view.body.items[0].upcomingAppointments.find((a: any) => !['cancelled', 'no_show', 'completed'].includes(a.status));
    const summary = { linkedClients: 1, name: client.name, nextAppointmentAt: next.startsAt, openDeals: 0 };
    expect((await t.request('GET', `/api/conversations/${conversation.id}`, { token: owner.token })).body.crm).toEqual(summary);
    const rows = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items;
    expect(rows.map((r: any) => [r.id, r.crm])).toEqual(
      expect.arrayContaining([
        [conversation.id, summary],
        [unlinked.conversation.id, null],
      ]),
    );

    const agent = await t.addUser(owner, 'agent');
    expect((await t.request('GET', `/api/contacts/${conversation.contactId}/crm`, { token: agent.token })).status).toBe(200);
    const other = await t.signup();
    expect((await t.request('GET', `/api/contacts/${conversation.contactId}/crm`, { token: other.token })).status).toBe(404);
    expect((await t.request('GET', `/api/contacts/not-a-uuid/crm`, { token: owner.token })).body.code).toBe('INVALID_ID');
  });

  it('links by e-mail when the contact appears after the sync', async () => {
    await pushes.drain();
    const logFrom = fake.log.length;
    const owner = await t.signup();
    const id = await connect(owner);
    await engine.run(owner, id);
    const client = [...fake.clients.values()].find((c) => c.email)!;
    const email = await t.createChannel(owner, 'email');
    const { conversation } = await t.inbound(owner, email, { channelKind: 'email', externalContactId: client.email.toUpperCase() });
    await pushes.drain();
    const view = await t.request('GET', `/api/contacts/${conversation.contactId}/crm`, { token: owner.token });
    expect(view.body.items.map((i: any) => [i.matchedBy, i.client.externalId])).toEqual([['email', String(client.id)]]);
    // Already a client: nothing was created in the CRM.
    expect(fake.log.slice(logFrom).filter((l) => l.method === 'POST' && l.path === `/clients/${fake.companyId}`)).toHaveLength(0);
  });

  it('pushes a new End User as a client once, and the next sync does not bring it back as new', async () => {
    const owner = await t.signup();
    const id = await connect(owner);
    await engine.run(owner, id);
    const sms = await t.createChannel(owner, 'sms');
    const phone = '+79165550101';
    const before = fake.clients.size;
    const { conversation } = await t.inbound(owner, sms, { channelKind: 'sms', externalContactId: phone, text: 'hi' });
    await t.inbound(owner, sms, { channelKind: 'sms', externalContactId: phone, text: 'again' });
    await pushes.drain();
    expect(fake.clients.size).toBe(before + 1);
    const created = [...fake.clients.values()].find((c) => c.phone === '79165550101')!;
    expect(created).toBeDefined();
    const view = await t.request('GET', `/api/contacts/${conversation.contactId}/crm`, { token: owner.token });
    expect(view.body.items.map((i: any) => [i.matchedBy, i.client.externalId])).toEqual([['push', String(created.id)]]);

    const run = await engine.run(owner, id, { force: true });
    expect(run.entities.client).toMatchObject({ written: 0 });
    const [{ n }] = await query(owner, `select count(*)::int as n from crm_records where tenant_id = $1 and entity = 'client' and external_id = $2`, [
      String(created.id),
    ]);
    expect(n).toBe(1);
  });

  it('pushes a WhatsApp End User only with their crm_enrichment consent; without it the push is withheld and audited', async () => {
    const owner = await t.signup();
    const id = await connect(owner);
    const wa = await t.createChannel(owner, 'whatsapp');
    const before = fake.clients.size;
    const { conversation } = await t.inbound(owner, wa, { channelKind: 'whatsapp', externalContactId: '79165550202' });
    await pushes.drain();
    expect(fake.clients.size).toBe(before);
    const [withheld] = await query(owner, `select status, last_error from crm_deliveries where tenant_id = $1 and connection_id = $2 order by created_at`, [
      id,
    ]);
    expect(withheld).toMatchObject({ status: 'withheld' });
    const audit = await query(owner, `select action, decision, reason from audit_log where tenant_id = $1 and action = 'crm.push'`);
    expect(audit).toEqual([expect.objectContaining({ decision: 'deny' })]);
    expect(JSON.stringify(audit)).not.toContain('79165550202');

    const consent = await t.request('PUT', `/api/contacts/${conversation.contactId}/consents`, {
      token: owner.token,
      body: { consents: [{ purpose: 'crm_enrichment', granted: true, source: 'asked in chat' }] },
    });
    expect(consent.status).toBe(200);
    await t.inbound(owner, wa, { channelKind: 'whatsapp', externalContactId: '79165550202' });
    await pushes.drain();
    expect(fake.clients.size).toBe(before + 1);
    expect([...fake.clients.values()].some((c) => c.phone === '79165550202')).toBe(true);
  });
});
