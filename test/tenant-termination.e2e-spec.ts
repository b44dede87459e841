import type { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { ChannelRoutes } from '../src/channels/core/channel-routes';
import { OperatorsService } from '../src/tenancy/operators.service';
import { TenantTerminationWorker } from '../src/privacy/tenant-termination.worker';
import { tenantTables } from './support/db-catalog';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * Terminating an account stops its tokens and webhooks at once, then a durable job purges
 * everything it stored, in its region and in the directory, retrying until it is done.
 */
describe('tenant termination', () => {
  let t: TestApp;
  let ru: Client;
  let eu: Client;
  beforeAll(async () => {
    t = await TestApp.start({ META_APP_SECRET });
    [eu, ru] = await Promise.all([ownerClient('eu'), ownerClient('ru')]);
  });
  afterAll(async () => {
    await Promise.all([eu.end(), ru.end()]);
    await t.close();
  });

  const purge = () => t.app.get(TenantTerminationWorker).drain();
  const status = async (code: string) => (await t.request('GET', `/privacy/deletion/${code}`, { headers: { accept: 'application/json' } })).body;

  /** Nothing of the tenant is left but its audit trail, in its region and in the directory. */
  async function expectNothingLeft(tenant: TestTenant, region: Client) {
    for (const table of await tenantTables(region)) {
      const { rows } = await region.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenant.tenantId]);
      expect({ table, n: rows[0].n }).toEqual({ table, n: table === 'audit_log' ? rows[0].n : 0 });
    }
    expect((await region.query(`select count(*)::int as n from queue.jobs where tenant_id = $1`, [tenant.tenantId])).rows[0].n).toBe(0);
    for (const table of ['directory.tenants', 'directory.logins', 'directory.channel_routes']) {
      expect((await eu.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenant.tenantId])).rows[0].n).toBe(0);
    }
  }

  /** A Messenger channel whose Page routes to the tenant, as connecting leaves it. */
  async function messengerPage(tenant: TestTenant): Promise<{ pageId: string; channelId: string }> {
    const pageId = platformId();
    const channelId = await t.createChannel(tenant, 'messenger');
    await t.dbs.forTenant(tenant, (tx) =>
      tx.query(`update channels set routing_key = $3 where tenant_id = $1 and id = $2`, [tenant.tenantId, channelId, pageId]),
    );
    await eu.query(`insert into directory.channel_routes (platform, routing_key, tenant_id, channel_id, region) values ('messenger', $1, $2, $3, $4)`, [
      pageId,
      tenant.tenantId,
      channelId,
      tenant.region,
    ]);
    return { pageId, channelId };
  }

  it('ends every token at once, purges every row but the audit trail in the background, and reports it', async () => {
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
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      status: 'terminating',
      confirmationCode: expect.stringMatching(/^[A-Z0-9]{16}$/),
      statusUrl: expect.stringContaining(`/privacy/deletion/${res.body.confirmationCode}`),
    });

    // Before any purge: the organization's tokens read nothing any more, and nobody signs in.
    for (const token of [owner.token, agent.token]) {
      for (const url of ['/api/conversations', '/api/exports/conversations.csv', '/api/tenant']) {
        expect({ url, status: (await t.request('GET', url, { token })).status }).toEqual({ url, status: 401 });
      }
    }
    expect((await t.request('POST', '/api/auth/login', { body: { email: owner.email, password: owner.password } })).status).toBe(401);
    expect(await status(res.body.confirmationCode)).toMatchObject({ status: 'pending' });

    await purge();
    expect(await status(res.body.confirmationCode)).toMatchObject({ status: 'completed', deleted: { messages: 1, conversations: 1, contacts: 1, tenants: 1 } });
    await expectNothingLeft(owner, ru);
    const audit = await ru.query(`select action from audit_log where tenant_id = $1`, [owner.tenantId]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['tenant.terminate', 'tenant.purged']));
    expect((await t.request('POST', '/api/auth/login', { body: { email: owner.email, password: owner.password } })).status).toBe(401);
    // The other tenant of the region is untouched.
    expect((await t.request('GET', '/api/conversations', { token: keep.token })).body.items).toHaveLength(1);
  });

  it("drops webhooks for the terminated organization's Page with a 200, even through a stale cached route", async () => {
    const owner = await t.signup({ region: 'ru', organizationName: 'Page Owner' });
    const { pageId } = await messengerPage(owner);
    const before = await postMetaWebhook(t, messengerMessage(pageId, 'psid-1', 'before'));
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ stored: 1 });

    // The route was just used, so it is cached: termination must forget it.
    const routes = t.app.get(ChannelRoutes);
    const cached = await routes.findMany([{ kind: 'messenger', routingKey: pageId }]);
    expect((await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: 'Page Owner' } })).status).toBe(202);
    const during = await postMetaWebhook(t, messengerMessage(pageId, 'psid-1', 'during the purge'));
    expect({ status: during.status, stored: during.body.stored }).toEqual({ status: 200, stored: 0 });

    await purge();
    // Another instance may still hold the route for a few seconds: the store finds the channel gone.
    const stale = jest.spyOn(routes, 'findMany').mockResolvedValueOnce(cached);
    const late = await postMetaWebhook(t, messengerMessage(pageId, 'psid-1', 'after the purge'));
    expect(stale).toHaveBeenCalled();
    expect({ status: late.status, stored: late.body.stored }).toEqual({ status: 200, stored: 0 });
    await expectNothingLeft(owner, ru);
  });

  it('retries a purge that failed (here: a deadlock) until it completes', async () => {
    const owner = await t.signup({ region: 'ru', organizationName: 'Deadlocked' });
    const channel = await t.createChannel(owner);
    for (let i = 0; i < 3; i++) await t.inbound(owner, channel, { text: `message ${i}`, externalContactId: `psid-${randomUUID()}` });
    // The first purge statement on messages fails as a deadlock victim would; later ones pass.
    await ru.query(`create sequence termination_failures`);
    await ru.query(`create function fail_first_purge() returns trigger language plpgsql security definer as $$
      begin
        if nextval('termination_failures') = 1 then raise exception 'deadlock detected' using errcode = '40P01'; end if;
        return null;
      end $$`);
    await ru.query(`create trigger fail_first_purge before delete on messages for each statement execute function fail_first_purge()`);
    try {
      const res = await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: 'Deadlocked' } });
      expect(res.status).toBe(202);
      await purge();
      const [job] = (
        await ru.query(`select attempts, available_at > now() as later from queue.jobs where kind = 'termination' and tenant_id = $1`, [owner.tenantId])
      ).rows;
      expect(job).toEqual({ attempts: 1, later: true });
      expect((await ru.query(`select count(*)::int as n from messages where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(3);
      expect((await t.request('GET', '/api/conversations', { token: owner.token })).status).toBe(401);
      expect(await status(res.body.confirmationCode)).toMatchObject({ status: 'pending' });

      await ru.query(`update queue.jobs set available_at = now() where kind = 'termination' and tenant_id = $1`, [owner.tenantId]); // the backoff, passed
      await purge();
      expect(await status(res.body.confirmationCode)).toMatchObject({
        status: 'completed',
        deleted: { messages: 3, conversations: 3, contacts: 3, tenants: 1 },
      });
      await expectNothingLeft(owner, ru);
    } finally {
      await ru.query(`drop trigger fail_first_purge on messages; drop function fail_first_purge(); drop sequence termination_failures`);
    }
  });

  it("ends platform staff's access under a live grant at once too", async () => {
    const owner = await t.signup({ region: 'ru', organizationName: 'Supported' });
    const email = `staff-${randomUUID()}@monkeymachine.test`;
    await t.app.get(OperatorsService).create(email, 'operator password 1');
    const operatorToken = (await t.request('POST', '/api/auth/operator-login', { body: { email, password: 'operator password 1' } })).body.accessToken;
    expect((await t.request('POST', '/api/access-grants', { token: owner.token, body: { minutes: 60, reason: 'Ticket #1: export help' } })).status).toBe(201);
    const asOperator = () =>
      t.request('GET', '/api/conversations', { token: operatorToken, headers: { 'x-mm-tenant': owner.tenantId, 'x-access-reason': 'Ticket #1' } });
    expect((await asOperator()).status).toBe(200);
    expect((await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: 'Supported' } })).status).toBe(202);
    expect((await asOperator()).status).toBe(404);
    await purge();
    expect((await asOperator()).status).toBe(404);
  });

  it("terminates a tenant of the directory's own region the same way", async () => {
    const owner = await t.signup({ region: 'eu', organizationName: 'Home Region' });
    const { pageId } = await messengerPage(owner);
    expect((await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: 'Home Region' } })).status).toBe(202);
    expect((await eu.query(`select count(*)::int as n from directory.channel_routes where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
    expect((await postMetaWebhook(t, messengerMessage(pageId, 'psid-2', 'hi'))).body.stored).toBe(0);
    await purge();
    await expectNothingLeft(owner, eu);
  });
});
