import type { Client } from 'pg';
import { allTables, rowsMentioning, tenantTables } from './support/db-catalog';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/** A tenant in region ru is recorded and stored only in the ru database. */
describe('data residency across two regions', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let ru: TestTenant;
  let agentEmail: string;
  let eu: Client;
  let ruDb: Client;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
    ru = await t.signup({ region: 'ru', organizationName: 'ООО Ромашка' });
    const agent = await t.addUser(ru, 'agent');
    agentEmail = agent.email;
    const channel = await t.createChannel(ru, 'telegram');
    const { conversation } = await t.inbound(ru, channel, {
      channelKind: 'telegram',
      externalContactId: 'tg-user-77',
      contactName: 'Иван Петров',
      text: 'Здравствуйте',
    });
    await t.request('POST', `/api/conversations/${conversation.id}/notes`, { token: agent.token, body: { text: 'позвонить клиенту' } });
    await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: agent.token, body: { text: 'Добрый день!' } });
    // A Page's webhook, a deletion with its receipt, and audited actions, all for the ru tenant.
    const pageId = platformId();
    graph.page(pageId, 'EAAB-ru-token');
    await t.request('POST', '/api/channels', {
      token: ru.token,
      body: { kind: 'messenger', name: 'Страница', config: { pageId }, credentials: { pageAccessToken: 'EAAB-ru-token' } },
    });
    await postMetaWebhook(t, messengerMessage(pageId, 'psid-ru-1', 'Сообщение со страницы', 'm_ru_1'));
    await postMetaWebhook(t, messengerMessage(pageId, 'psid-ru-2', 'Удалите меня', 'm_ru_2'));
    await t.drainInbound();
    const del = await t.request('POST', '/api/privacy/deletion-requests', { token: ru.token, body: { channelKind: 'messenger', externalId: 'psid-ru-2' } });
    expect(del.status).toBe(201);
    await t.request('POST', '/api/access-grants', { token: ru.token, body: { minutes: 10, reason: 'Поддержка' } });
    eu = await ownerClient('eu');
    ruDb = await ownerClient('ru');
  });
  afterAll(async () => {
    await Promise.all([eu.end(), ruDb.end()]);
    await t.close();
    await graph.stop();
  });

  it('writes every tenant row to the ru database', async () => {
    for (const [table, min] of [
      ['tenants', 1],
      ['users', 2],
      ['contacts', 2],
      ['conversations', 2],
      ['messages', 3],
      ['notes', 1],
      ['inbound_events', 1],
      ['deletion_receipts', 1],
      ['audit_log', 1],
      ['access_grants', 1],
      ['channels', 2],
    ] as const) {
      const { rows } = await ruDb.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [ru.tenantId]);
      expect({ table, n: rows[0].n >= min }).toEqual({ table, n: true });
    }
  });

  it("finds the End User's traces in ru, so the search below can see them", async () => {
    let hits = 0;
    for (const table of await allTables(ruDb)) hits += await rowsMentioning(ruDb, table, 'Иван Петров');
    expect(hits).toBeGreaterThan(0);
  });

  it('leaves no tenant row in the eu database', async () => {
    for (const table of await tenantTables(eu)) {
      const { rows } = await eu.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [ru.tenantId]);
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });

  it('leaves no personal data of the tenant anywhere in the eu database, the directory included', async () => {
    for (const table of await allTables(eu)) {
      for (const needle of [
        ru.email,
        agentEmail,
        'Иван Петров',
        'tg-user-77',
        'Здравствуйте',
        'позвонить',
        'Ромашка',
        'psid-ru-1',
        'Сообщение со страницы',
        'Поддержка',
      ]) {
        expect({ table, needle, n: await rowsMentioning(eu, table, needle) }).toEqual({ table, needle, n: 0 });
      }
    }
  });

  it('routes logins through the directory to the ru database', async () => {
    const login = await t.request('POST', '/api/auth/login', { body: { email: ru.email, password: ru.password } });
    expect(login.status).toBe(200);
    const tenant = await t.request('GET', '/api/tenant', { token: login.body.accessToken });
    expect(tenant.body).toMatchObject({ id: ru.tenantId, region: 'ru', name: 'ООО Ромашка' });
  });

  it("offers no way to change a tenant's region", async () => {
    for (const method of ['PATCH', 'PUT'] as const) {
      const res = await t.request(method, '/api/tenant', { token: ru.token, body: { region: 'eu' } });
      expect(res.status).toBe(404);
    }
    const { rows } = await eu.query(`select region from directory.tenants where tenant_id = $1`, [ru.tenantId]);
    expect(rows).toEqual([{ region: 'ru' }]);
  });
});
