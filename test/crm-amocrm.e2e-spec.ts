import { CrmConnectors } from '../src/integrations/crm/core/crm-connectors.service';
import { CrmDeliveryWorker } from '../src/integrations/crm/core/crm-delivery.worker';
import { CrmSyncEngine } from '../src/integrations/crm/core/crm-sync.engine';
import { FakeAmo } from './fakes/fake-amocrm.server';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * amoCRM end to end against its fake: the OAuth2 authorization code flow (authorizeUrl, the
 * callback with state and referer), contacts and leads by updated_at over HAL pages, form-encoded
 * webhooks read back, rotating single-use refresh tokens (stored before use, one refresh at a
 * time, a crash between refresh and store paused loudly), and 429/5xx storms.
 */
describe('amoCRM integration', () => {
  let t: TestApp;
  let fake: FakeAmo;
  let engine: CrmSyncEngine;

  beforeAll(async () => {
    fake = await new FakeAmo().seed(320, 140).start();
    t = await TestApp.start({ WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on', PUBLIC_BASE_URL: 'https://inbox.example' });
    engine = t.app.get(CrmSyncEngine);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const host = () => new URL(fake.url).host;

  async function authorize(owner: TestTenant): Promise<{ id: string; webhookUrl: string }> {
    const res = await t.request('POST', '/api/integrations', {
      token: owner.token,
      body: {
        kind: 'amocrm',
        name: 'Sales',
        config: { baseUrl: fake.url, clientId: fake.clientId, oauthBaseUrl: fake.url },
        credentials: { clientSecret: fake.clientSecret },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending_authorization');
    const authorizeUrl = new URL(res.body.authorizeUrl);
    expect(authorizeUrl.searchParams.get('client_id')).toBe(fake.clientId);
    const state = authorizeUrl.searchParams.get('state')!;
    const done = await t.request('GET', `/integrations/oauth/callback?code=${fake.issueCode()}&state=${encodeURIComponent(state)}&referer=${host()}`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: res.body.id, status: 'active' });
    return res.body;
  }

  const credentials = async (owner: TestTenant, id: string) => {
    const c = await ownerClient(owner.region);
    try {
      return (await c.query(`select credentials from crm_connections where tenant_id = $1 and id = $2`, [owner.tenantId, id])).rows[0].credentials as string;
    } finally {
      await c.end();
    }
  };
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
  const complete = () => ({ client: fake.contacts.size, deal: fake.leads.size });

  it('completes the authorization code flow once, from the right account only', async () => {
    const owner = await t.signup();
    const res = await t.request('POST', '/api/integrations', {
      token: owner.token,
      body: {
        kind: 'amocrm',
        name: 'Sales',
        config: { baseUrl: fake.url, clientId: fake.clientId, oauthBaseUrl: fake.url },
        credentials: { clientSecret: fake.clientSecret },
      },
    });
    const state = new URL(res.body.authorizeUrl).searchParams.get('state')!;
    expect((await engine.run(owner, res.body.id)).ran).toBe(false);
    const callback = (q: string) => t.request('GET', `/integrations/oauth/callback?${q}`);
    expect((await callback(`code=x&state=${res.body.id}.wrong&referer=${host()}`)).body.code).toBe('OAUTH_STATE_INVALID');
    expect((await callback(`code=${fake.issueCode()}&state=${encodeURIComponent(state)}&referer=evil.amocrm.ru`)).body.code).toBe('OAUTH_REFERER_MISMATCH');
    // That state is spent: the flow starts again with a new connection.
    expect((await callback(`code=${fake.issueCode()}&state=${encodeURIComponent(state)}&referer=${host()}`)).body.code).toBe('OAUTH_STATE_INVALID');
    expect((await callback('code=only')).status).toBe(400);
    const ok = await authorize(owner);
    expect(JSON.stringify((await t.request('GET', `/api/integrations/${ok.id}`, { token: owner.token })).body)).not.toMatch(
      /amo-access|amo-refresh|client-secret/,
    );
    expect(await credentials(owner, ok.id)).not.toMatch(/amo-access|amo-refresh/);
  });

  it('syncs contacts and leads over several pages, then changes by updated_at', async () => {
    const owner = await t.signup();
    const { id, webhookUrl } = await authorize(owner);
    const before = fake.log.length;
    const run = await engine.run(owner, id);
    expect(
      Object.values(run.entities)
        .map((e) => e?.error)
        .filter(Boolean),
    ).toEqual([]);
    expect(await counts(owner, id)).toEqual(complete());
    const pages = fake.log.slice(before).filter((l) => l.path === '/api/v4/contacts');
    expect(pages.map((p) => [p.query.page, p.query.limit])).toEqual([
      ['1', '250'],
      ['2', '250'],
    ]);
    expect(fake.rateLimited).toBe(0);

    const [contact] = [...fake.contacts.values()].slice(10, 11);
    const lead = [...fake.leads.values()][3];
    fake.updateContact(contact.id, { name: 'Иван Обновлённый' });
    fake.updateLead(lead.id, { status_id: 142 });
    const at = fake.log.length;
    const next = await engine.run(owner, id);
    expect(next.entities.client).toMatchObject({ written: 1 });
    expect(next.entities.deal).toMatchObject({ written: 1 });
    expect(
      fake.log
        .slice(at)
        .filter((l) => l.path.startsWith('/api/v4/'))
        .every((l) => l.query['filter[updated_at][from]']),
    ).toBe(true);

    // A form-encoded webhook names a deleted contact: read back, gone, a tombstone.
    const gone = [...fake.contacts.values()][12];
    fake.contacts.delete(gone.id);
    const hook = await t.request('POST', new URL(webhookUrl).pathname, {
      body: `contacts%5Bdelete%5D%5B0%5D%5Bid%5D=${gone.id}&account%5Bid%5D=29000000&account%5Bsubdomain%5D=acme`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(hook.body).toEqual({ accepted: 1 });
    await engine.settled();
    expect(await counts(owner, id)).toEqual(complete());
  });

  it('rotates single-use refresh tokens: stored before use, one refresh for concurrent callers', async () => {
    const owner = await t.signup();
    const { id, webhookUrl } = await authorize(owner);
    await engine.run(owner, id);
    const sealedBefore = await credentials(owner, id);
    const refreshes = fake.refreshes;
    fake.expireAccessTokens();
    const target = [...fake.contacts.values()][30];
    fake.updateContact(target.id, { name: 'Параллельный' });
    // A sync and a webhook read-back meet the expired token at once.
    const [run] = await Promise.all([
      engine.run(owner, id),
      t.request('POST', new URL(webhookUrl).pathname, {
        body: `contacts%5Bupdate%5D%5B0%5D%5Bid%5D=${target.id}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ]);
    await engine.settled();
    expect(
      Object.values(run.entities)
        .map((e) => e?.error)
        .filter(Boolean),
    ).toEqual([]);
    expect(fake.refreshes - refreshes).toBe(1);
    expect(fake.refusedRefreshes).toBe(0);
    expect(await credentials(owner, id)).not.toBe(sealedBefore);
    // The pair in use is the stored one: a later run works without another refresh.
    await engine.run(owner, id);
    expect(fake.refreshes - refreshes).toBe(1);
  });

  it('a crash between the refresh and the store loses the pair loudly: paused, the Customer told', async () => {
    const owner = await t.signup();
    const { id } = await authorize(owner);
    await engine.run(owner, id);
    const connectors = t.app.get(CrmConnectors);
    const store = jest.spyOn(connectors, 'storeRefreshed').mockRejectedValueOnce(new Error('the process died here'));
    fake.expireAccessTokens();
    const crashed = await engine.run(owner, id);
    expect(Object.values(crashed.entities).some((e) => e?.error)).toBe(true);
    store.mockRestore();
    // Nothing used the lost pair; the stored refresh token is dead at the CRM now.
    const usedLost = fake.log.filter((l) => l.token && !l.path.startsWith('/oauth2'));
    expect(usedLost.length).toBeGreaterThan(0);
    const next = await engine.run(owner, id);
    expect(next.reason).toMatch(/paused/);
    expect(fake.refusedRefreshes).toBeGreaterThanOrEqual(1);
    const got = await t.request('GET', `/api/integrations/${id}`, { token: owner.token });
    expect(got.body.status).toBe('paused');
    const notes = await t.request('GET', '/api/notifications', { token: owner.token });
    expect(notes.body.items.map((n: any) => n.kind)).toContain('crm_integration_paused');
  });

  it('survives a storm of 429 and 5xx answers with nothing lost or duplicated', async () => {
    const owner = await t.signup();
    const { id } = await authorize(owner);
    fake.storm([{ status: 429, retryAfter: '0' }, { status: 503 }, { status: 429, retryAfter: '1' }, { status: 502, retryAfter: '0' }]);
    const stormed = fake.stormed;
    const run = await engine.run(owner, id);
    expect(fake.stormed - stormed).toBe(4);
    expect(
      Object.values(run.entities)
        .map((e) => e?.error)
        .filter(Boolean),
    ).toEqual([]);
    expect(await counts(owner, id)).toEqual(complete());
  });

  it('pushes a WhatsApp End User as a contact only with their crm_enrichment consent, once, and does not pull it back as new', async () => {
    const owner = await t.signup();
    const { id } = await authorize(owner);
    await engine.run(owner, id);
    const pushes = t.app.get(CrmDeliveryWorker);
    const wa = await t.createChannel(owner, 'whatsapp');
    const phone = '79165550404';
    const created = () => [...fake.contacts.values()].filter((c) => JSON.stringify(c.custom_fields_values).includes(phone));
    const posts = () => fake.log.filter((l) => l.method === 'POST' && l.path === '/api/v4/contacts').length;
    const postsBefore = posts();

    const { conversation } = await t.inbound(owner, wa, { channelKind: 'whatsapp', externalContactId: phone, contactName: 'Мария' });
    await pushes.drain();
    expect(created()).toEqual([]);
    expect(posts()).toBe(postsBefore);

    const consent = await t.request('PUT', `/api/contacts/${conversation.contactId}/consents`, {
      token: owner.token,
      body: { consents: [{ purpose: 'crm_enrichment', granted: true, source: 'asked in chat' }] },
    });
    expect(consent.status).toBe(200);
    await t.inbound(owner, wa, { channelKind: 'whatsapp', externalContactId: phone, contactName: 'Мария' });
    await pushes.drain();
    await t.inbound(owner, wa, { channelKind: 'whatsapp', externalContactId: phone, contactName: 'Мария' });
    await pushes.drain();
    expect(created()).toEqual([
      expect.objectContaining({ custom_fields_values: [{ field_code: 'PHONE', values: [{ value: `+${phone}`, enum_code: 'WORK' }] }] }),
    ]);
    expect(posts()).toBe(postsBefore + 1);
    const view = await t.request('GET', `/api/contacts/${conversation.contactId}/crm`, { token: owner.token });
    expect(view.body.items).toEqual([
      expect.objectContaining({
        matchedBy: 'push',
        integration: expect.objectContaining({ id, kind: 'amocrm' }),
        client: expect.objectContaining({ externalId: String(created()[0].id) }),
      }),
    ]);
    // Stored when pushed: the next sync finds nothing new, and the local copy matches the CRM's.
    expect((await engine.run(owner, id)).entities.client).toMatchObject({ written: 0 });
    expect(await counts(owner, id)).toEqual(complete());
  });

  it('takes a long-lived Kommo token without OAuth', async () => {
    const owner = await t.signup();
    const res = await t.request('POST', '/api/integrations', {
      token: owner.token,
      body: { kind: 'kommo', name: 'Kommo', config: { subdomain: 'acme' }, credentials: { accessToken: 'kommo-long-lived-token-0001' } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'active', config: { baseUrl: 'https://acme.kommo.com', subdomain: 'acme' } });
    expect(res.body.authorizeUrl).toBeUndefined();
  });
});
