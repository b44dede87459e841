import { CrmDeliveryWorker } from '../src/integrations/crm/core/crm-delivery.worker';
import { CrmSyncEngine } from '../src/integrations/crm/core/crm-sync.engine';
import { FakeBitrix24 } from './fakes/fake-bitrix24.server';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * Bitrix24 end to end against its fake: inbound-webhook auth, crm.item.list by the fast pager
 * (`>id`, start -1), changes by `>=updatedTime`, events checked by application_token, deletions
 * by events and the daily full pass, the leaky bucket and its 503/429 answers, pushes.
 */
describe('Bitrix24 integration', () => {
  let t: TestApp;
  let fake: FakeBitrix24;
  let engine: CrmSyncEngine;

  beforeAll(async () => {
    fake = await new FakeBitrix24().seed(180, 120).start();
    t = await TestApp.start({ WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on' });
    engine = t.app.get(CrmSyncEngine);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const body = (over: Record<string, unknown> = {}) => ({
    kind: 'bitrix24',
    name: 'Portal',
    config: { baseUrl: fake.url },
    credentials: { webhookUserId: fake.userId, webhookCode: fake.code, applicationToken: fake.applicationToken },
    ...over,
  });

  async function connect(owner: TestTenant): Promise<{ id: string; webhookUrl: string }> {
    const res = await t.request('POST', '/api/integrations', { token: owner.token, body: body() });
    expect(res.status).toBe(201);
    return res.body;
  }

  const counts = async (owner: TestTenant, id: string) => {
    const c = await ownerClient(owner.region);
    try {
      const { rows } = await c.query(
        `select entity, count(*)::int as n from crm_records where tenant_id = $1 and connection_id = $2 and not deleted group by entity`,
        [owner.tenantId, id],
      );
      return Object.fromEntries(rows.map((r) => [r.entity, r.n]));
    } finally {
      await c.end();
    }
  };
  const record = async (owner: TestTenant, id: string, entity: string, external: number) => {
    const c = await ownerClient(owner.region);
    try {
      return (
        await c.query(`select data, deleted from crm_records where tenant_id = $1 and connection_id = $2 and entity = $3 and external_id = $4`, [
          owner.tenantId,
          id,
          entity,
          String(external),
        ])
      ).rows[0];
    } finally {
      await c.end();
    }
  };
  const complete = () => ({ client: fake.contacts.size, deal: fake.deals.size });

  it('needs the portal and the inbound webhook, and keeps them write-only', async () => {
    const owner = await t.signup();
    const bad = async (over: Record<string, unknown>) => (await t.request('POST', '/api/integrations', { token: owner.token, body: body(over) })).body.code;
    expect(await bad({ config: {} })).toBe('INVALID_CRM_BASE_URL');
    expect(await bad({ credentials: { webhookUserId: 'x', webhookCode: fake.code } })).toBe('INVALID_CRM_CREDENTIALS');
    expect(await bad({ config: { baseUrl: fake.url, extra: 1 } })).toBe('INVALID_CRM_CONFIG');
    const res = await t.request('POST', '/api/integrations', { token: owner.token, body: body() });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`${fake.code}|${fake.applicationToken}`));
  });

  it('syncs every contact and deal with the fast pager, within the leaky bucket', async () => {
    const owner = await t.signup();
    const { id } = await connect(owner);
    const before = fake.log.length;
    const run = await engine.run(owner, id);
    expect(
      Object.values(run.entities)
        .map((e) => e?.error)
        .filter(Boolean),
    ).toEqual([]);
    expect(await counts(owner, id)).toEqual(complete());
    const lists = fake.log.slice(before).filter((l) => l.method === 'crm.item.list');
    // 180 contacts: 4 pages; 120 deals: 3 pages; each by start -1 and >id the last seen.
    expect(lists).toHaveLength(7);
    expect(lists.every((l) => l.body.start === -1 && (l.body.order as any)?.id === 'ASC' && '>id' in (l.body.filter as object))).toBe(true);
    expect(lists.slice(0, 4).map((l) => (l.body.filter as any)['>id'])).toEqual(
      [0, 50, 100, 150].map((n) => [...fake.contacts.keys()].sort((a, b) => a - b)[n - 1] ?? 0),
    );
    expect(fake.rateLimited).toBe(0);
    expect(fake.refused).toEqual({ auth: 0, paging: 0, batch: 0 });
    const contact = [...fake.contacts.values()][0];
    expect((await record(owner, id, 'client', contact.id)).data).toMatchObject({ name: `Контакт ${contact.lastName}`, phone: (contact.fm as any)[0].value });
    const deal = [...fake.deals.values()][0];
    expect((await record(owner, id, 'deal', deal.id)).data).toMatchObject({
      title: deal.title,
      amount: deal.opportunity,
      currency: 'RUB',
      status: 'open',
      clientExternalId: String(deal.contactId),
    });
  });

  it('picks up updates by >=updatedTime, deletions by events and by the daily full pass', async () => {
    const owner = await t.signup();
    const { id, webhookUrl } = await connect(owner);
    await engine.run(owner, id);
    const [contact, gone, vanished] = [...fake.contacts.values()].slice(20, 23);
    const deal = [...fake.deals.values()][7];
    fake.update('contact', contact.id, { name: 'Пётр' });
    fake.update('deal', deal.id, { stageSemanticId: 'S', stageId: 'WON' });
    const before = fake.log.length;
    const run = await engine.run(owner, id);
    expect(run.entities.client).toMatchObject({ written: 1 });
    expect(run.entities.deal).toMatchObject({ written: 1 });
    const lists = fake.log.slice(before).filter((l) => l.method === 'crm.item.list');
    expect(lists.every((l) => '>=updatedTime' in (l.body.filter as object))).toBe(true);
    expect((await record(owner, id, 'client', contact.id)).data.name).toMatch(/^Пётр/);
    expect((await record(owner, id, 'deal', deal.id)).data.status).toBe('won');

    // An event names the deleted contact; it is read back, gone: a tombstone.
    fake.remove('contact', gone.id);
    const path = new URL(webhookUrl).pathname;
    const event = (token: string, eventName = 'ONCRMCONTACTDELETE', entityId = gone.id) =>
      t.request('POST', path, {
        body: new URLSearchParams({
          event: eventName,
          'data[FIELDS][ID]': String(entityId),
          ts: '1735800000',
          'auth[domain]': 'portal.bitrix24.ru',
          'auth[application_token]': token,
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    expect((await event('not-the-token')).body).toEqual({ accepted: 0 });
    expect((await event(fake.applicationToken)).body).toEqual({ accepted: 1 });
    await engine.settled();
    expect(await record(owner, id, 'client', gone.id)).toMatchObject({ deleted: true });

    // Without an event, the daily full pass finds the id that vanished.
    fake.remove('contact', vanished.id);
    const reconcile = await engine.run(owner, id, { reconcile: true });
    expect(reconcile.entities.client).toMatchObject({ tombstoned: 1 });
    expect(await record(owner, id, 'client', vanished.id)).toMatchObject({ deleted: true });
    expect(await counts(owner, id)).toEqual(complete());
  });

  it('survives QUERY_LIMIT_EXCEEDED and OPERATION_TIME_LIMIT storms with nothing lost or duplicated', async () => {
    const owner = await t.signup();
    const { id } = await connect(owner);
    fake.storm([
      { status: 503, error: 'QUERY_LIMIT_EXCEEDED' },
      { status: 503, error: 'QUERY_LIMIT_EXCEEDED' },
      { status: 429, error: 'OPERATION_TIME_LIMIT', resetInSeconds: 1 },
      { status: 503, error: 'QUERY_LIMIT_EXCEEDED' },
      { status: 500, error: 'INTERNAL_SERVER_ERROR' },
    ]);
    const stormed = fake.stormed;
    const run = await engine.run(owner, id);
    expect(fake.stormed - stormed).toBe(5);
    expect(run.stats.throttled).toBeGreaterThanOrEqual(5);
    expect(
      Object.values(run.entities)
        .map((e) => e?.error)
        .filter(Boolean),
    ).toEqual([]);
    expect(await counts(owner, id)).toEqual(complete());
  });

  it('pushes a new End User as a contact once', async () => {
    const owner = await t.signup();
    const { id } = await connect(owner);
    await engine.run(owner, id);
    const sms = await t.createChannel(owner, 'sms');
    const size = fake.contacts.size;
    const { conversation } = await t.inbound(owner, sms, { channelKind: 'sms', externalContactId: '+79265550303' });
    await t.app.get(CrmDeliveryWorker).drain();
    expect(fake.contacts.size).toBe(size + 1);
    const view = await t.request('GET', `/api/contacts/${conversation.contactId}/crm`, { token: owner.token });
    expect(view.body.items).toEqual([
      expect.objectContaining({
        matchedBy: 'push',
        integration: expect.objectContaining({ id, kind: 'bitrix24' }),
        client: expect.objectContaining({ phone: '+79265550303' }),
      }),
    ]);
    expect((await engine.run(owner, id)).entities.client).toMatchObject({ written: 0 });
  });
});
