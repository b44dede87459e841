import type { Client } from 'pg';
import { allTables, rowsMentioning, tenantTables } from './support/db-catalog';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/** A tenant in region ru is recorded and stored only in the ru database. */
describe('data residency across two regions', () => {
  let t: TestApp;
  let ru: TestTenant;
  let agentEmail: string;
  let eu: Client;
  let ruDb: Client;

  beforeAll(async () => {
    t = await TestApp.start();
    ru = await t.signup({ region: 'ru', organizationName: 'ООО Ромашка' });
    const agent = await t.addUser(ru, 'agent');
    agentEmail = agent.email;
    const channel = await t.createChannel(ru, 'telegram');
    const { conversation } = await t.inbound(ru, channel, { channelKind: 'telegram', externalContactId: 'tg-user-77', contactName: 'Иван Петров', text: 'Здравствуйте' });
    await t.request('POST', `/api/conversations/${conversation.id}/notes`, { token: agent.token, body: { text: 'позвонить клиенту' } });
    await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: agent.token, body: { text: 'Добрый день!' } });
    eu = await ownerClient('eu');
    ruDb = await ownerClient('ru');
  });
  afterAll(async () => {
    await Promise.all([eu.end(), ruDb.end()]);
    await t.close();
  });

  it('writes every tenant row to the ru database', async () => {
    for (const [table, min] of [['tenants', 1], ['users', 2], ['contacts', 1], ['conversations', 1], ['messages', 2], ['notes', 1]] as const) {
      const { rows } = await ruDb.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [ru.tenantId]);
      expect({ table, n: rows[0].n >= min }).toEqual({ table, n: true });
    }
  });

  it('finds the End User\'s traces in ru, so the search below can see them', async () => {
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
      for (const needle of [ru.email, agentEmail, 'Иван Петров', 'tg-user-77', 'Здравствуйте', 'позвонить', 'Ромашка']) {
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

  it('offers no way to change a tenant\'s region', async () => {
    for (const method of ['PATCH', 'PUT'] as const) {
      const res = await t.request(method, '/api/tenant', { token: ru.token, body: { region: 'eu' } });
      expect(res.status).toBe(404);
    }
    const { rows } = await eu.query(`select region from directory.tenants where tenant_id = $1`, [ru.tenantId]);
    expect(rows).toEqual([{ region: 'ru' }]);
  });
});
