import type { Client } from 'pg';
import { tenantTables } from './support/db-catalog';
import { TestApp, ownerClient } from './support/test-app';

/** Terminating an account purges everything it stored, in its region and in the directory. */
describe('tenant termination', () => {
  let t: TestApp;
  let ru: Client;
  let eu: Client;
  beforeAll(async () => {
    t = await TestApp.start();
    [eu, ru] = await Promise.all([ownerClient('eu'), ownerClient('ru')]);
  });
  afterAll(async () => {
    await Promise.all([eu.end(), ru.end()]);
    await t.close();
  });

  it('deletes every row of the tenant but its audit trail, and the account stops existing', async () => {
    const owner = await t.signup({ region: 'ru', organizationName: 'Closing Down Ltd' });
    const keep = await t.signup({ region: 'ru' });
    const agent = await t.addUser(owner, 'agent');
    for (const tenant of [owner, keep]) {
      const channel = await t.createChannel(tenant);
      const { conversation } = await t.inbound(tenant, channel, { text: 'hello' });
      await t.request('POST', `/api/conversations/${conversation.id}/notes`, { token: tenant.token, body: { text: 'note' } });
      await t.request('PATCH', `/api/conversations/${conversation.id}`, { token: tenant.token, body: { assigneeId: tenant.userId } });
    }

    expect((await t.request('DELETE', '/api/tenant', { token: agent.token, body: { confirm: 'Closing Down Ltd' } })).status).toBe(403);
    const wrong = await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: 'closing down' } });
    expect(wrong.body.code).toBe('CONFIRMATION_MISMATCH');

    const res = await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: 'Closing Down Ltd' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'terminated', deleted: { messages: 1, conversations: 1, contacts: 1, tenants: 1 } });

    for (const table of await tenantTables(ru)) {
      const { rows } = await ru.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [owner.tenantId]);
      expect({ table, n: rows[0].n }).toEqual({ table, n: table === 'audit_log' ? rows[0].n : 0 });
    }
    const audit = await ru.query(`select action from audit_log where tenant_id = $1`, [owner.tenantId]);
    expect(audit.rows.map((r) => r.action)).toContain('tenant.terminate');
    for (const table of ['directory.tenants', 'directory.logins', 'directory.channel_routes']) {
      expect((await eu.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
    }
    expect((await t.request('POST', '/api/auth/login', { body: { email: owner.email, password: owner.password } })).status).toBe(401);
    // The other tenant of the region is untouched.
    expect((await t.request('GET', '/api/conversations', { token: keep.token })).body.items).toHaveLength(1);
  });
});
