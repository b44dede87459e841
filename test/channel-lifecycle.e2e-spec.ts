import type { Client } from 'pg';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';
import { MAX_INBOUND_ATTEMPTS } from '../src/ingest/inbound-processor.worker';

/** Revocation, retries, disconnection and parked events: the unhappy paths a Customer lives through. */
describe('channel lifecycle and delivery failures', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let db: Client;

  /** A tenant with a connected Page and one conversation an End User just started. */
  async function pageWithConversation(owner?: TestTenant) {
    const tenant = owner ?? (await t.signup());
    const { pageId, token, channelId } = await connectPage(t, graph, tenant);
    await postMetaWebhook(t, messengerMessage(pageId, '55501', 'hello'));
    await t.drainInbound();
    const conversation = (await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: tenant.token })).body.items[0];
    const send = (text: string) => t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: tenant.token, body: { text } });
    const message = async (id: string) =>
      (await t.request('GET', `/api/conversations/${conversation.id}/messages?limit=100`, { token: tenant.token })).body.items.find(
        (m: { id: string }) => m.id === id,
      );
    return { tenant, pageId, token, channelId, conversation, send, message };
  }

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  it('on a revoked token: fails the message with the platform code, revokes the channel, tells the Customer; reconnecting clears it', async () => {
    const s = await pageWithConversation();
    graph.failNext(`/${s.pageId}/messages`, 400, {
      message: 'Error validating access token: The user has not authorized application.',
      type: 'OAuthException',
      code: 190,
      error_subcode: 458,
    });
    const queued = await s.send('are you there?');
    await t.drainOutbound();

    expect(await s.message(queued.body.id)).toMatchObject({ status: 'failed', error: { code: '190/458', text: expect.stringContaining('not authorized') } });
    expect((await t.request('GET', `/api/channels/${s.channelId}`, { token: s.tenant.token })).body).toMatchObject({
      status: 'revoked',
      revokedReason: expect.stringContaining('190'),
    });
    const notes = await t.request('GET', '/api/notifications', { token: s.tenant.token });
    expect(notes.body.items).toEqual([
      expect.objectContaining({ kind: 'channel.revoked', channelId: s.channelId, message: expect.stringContaining('Reconnect') }),
    ]);
    expect(JSON.stringify(notes.body)).not.toContain(s.token);

    const refused = await s.send('and now?');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CHANNEL_REVOKED');

    const fresh = `EAAB-renewed-${s.pageId}`;
    graph.account(s.pageId, fresh);
    const reconnect = await t.request('POST', '/api/channels', {
      token: s.tenant.token,
      body: { kind: 'messenger', name: 'Page', config: { pageId: s.pageId }, credentials: { pageAccessToken: fresh } },
    });
    expect(reconnect.status).toBe(200);
    expect(reconnect.body).toMatchObject({ id: s.channelId, status: 'active', revokedAt: null });
    const again = await s.send('back online');
    expect(again.status).toBe(202);
    await t.drainOutbound();
    expect(await s.message(again.body.id)).toMatchObject({ status: 'sent' });
    expect(graph.callsTo(`/${s.pageId}/messages`).at(-1)!.authorization).toBe(`Bearer ${fresh}`);
  });

  it('backs off on a throttling error, honouring retry-after, then delivers', async () => {
    const s = await pageWithConversation();
    graph.failNext(`/${s.pageId}/messages`, 400, { message: 'Calls to this API have exceeded the rate limit.', code: 613 }, { 'retry-after': '120' });
    const queued = await s.send('patience');
    await t.drainOutbound();
    expect(await s.message(queued.body.id)).toMatchObject({ status: 'queued', error: null });
    const { rows } = await db.query(`select extract(epoch from available_at - now())::int as wait, attempts from queue.jobs where ref_id = $1`, [
      queued.body.id,
    ]);
    expect(rows[0].wait).toBeGreaterThanOrEqual(110);
    expect(rows[0].attempts).toBe(1);

    expect(await t.drainOutbound()).toBe(0); // not due yet
    // 120 s later: the job is due and the Page's pause (shared by every instance) has ended.
    await db.query(`update queue.jobs set available_at = now() where ref_id = $1`, [queued.body.id]);
    await db.query(`update queue.send_slots set next_at = now() where key like 'messenger:%'`);
    await t.drainOutbound();
    expect(await s.message(queued.body.id)).toMatchObject({ status: 'sent' });
  });

  it("fails a message at once on a permanent error, with the platform's code and text", async () => {
    const s = await pageWithConversation();
    graph.failNext(`/${s.pageId}/messages`, 400, { message: "This person isn't available right now.", code: 551 });
    const queued = await s.send('hello?');
    await t.drainOutbound();
    expect(await s.message(queued.body.id)).toMatchObject({ status: 'failed', error: { code: '551', text: "This person isn't available right now." } });
    const { rowCount } = await db.query(`select 1 from queue.jobs where ref_id = $1`, [queued.body.id]);
    expect(rowCount).toBe(0);
  });

  it('disconnecting wipes the credentials at once, schedules the purge and stops routing webhooks', async () => {
    const s = await pageWithConversation();
    const pending = await s.send('never sent');
    const res = await t.request('DELETE', `/api/channels/${s.channelId}`, { token: s.tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('disconnected');
    const days = (new Date(res.body.purgeAfter).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);

    const { rows } = await db.query(`select credentials, status from channels where id = $1`, [s.channelId]);
    expect(rows[0]).toEqual({ credentials: null, status: 'disconnected' });
    expect(await s.message(pending.body.id)).toMatchObject({ status: 'failed', error: { code: 'CHANNEL_DISCONNECTED' } });

    const before = (await db.query(`select count(*)::int as n from inbound_events where channel_id = $1`, [s.channelId])).rows[0].n;
    expect((await postMetaWebhook(t, messengerMessage(s.pageId, '55501', 'anyone?'))).status).toBe(200);
    expect((await db.query(`select count(*)::int as n from inbound_events where channel_id = $1`, [s.channelId])).rows[0].n).toBe(before);
    expect((await s.send('still there?')).body.code).toBe('CHANNEL_DISCONNECTED');
  });

  it('gives WhatsApp numbers 90 days before the purge', async () => {
    const owner = await t.signup();
    const phoneNumberId = platformId();
    const wabaId = platformId();
    graph.whatsapp(phoneNumberId, wabaId, 'EAAG-whatsapp-token');
    const created = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'whatsapp', name: 'WA', config: { phoneNumberId, wabaId }, credentials: { accessToken: 'EAAG-whatsapp-token' } },
    });
    const res = await t.request('DELETE', `/api/channels/${created.body.id}`, { token: owner.token });
    const days = (new Date(res.body.purgeAfter).getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
  });

  it('only owners and admins connect or disconnect channels', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const res = await t.request('POST', '/api/channels', {
      token: agent.token,
      body: { kind: 'messenger', name: 'x', config: { pageId: platformId() }, credentials: { pageAccessToken: 'EAAB-agent-token' } },
    });
    expect(res.status).toBe(403);
  });

  it('parks an event that keeps failing where an admin sees it, and replays it', async () => {
    const s = await pageWithConversation();
    // A payload our mapper cannot read (as a platform change might produce).
    const {
      rows: [event],
    } = await db.query(`insert into inbound_events (tenant_id, channel_id, dedupe_key, payload) values ($1, $2, 'broken-1', '{"item": null}') returning id`, [
      s.tenant.tenantId,
      s.channelId,
    ]);
    await db.query(`insert into queue.jobs (kind, tenant_id, ref_id) values ('inbound', $1, $2)`, [s.tenant.tenantId, event.id]);
    const listed = async (state: string) =>
      (await t.request('GET', `/api/admin/inbound-events?state=${state}`, { token: s.tenant.token })).body.items
        .filter((e: { id: string }) => e.id === event.id)
        .map((e: { state: string }) => e.state);
    expect([await listed('pending'), await listed('failed'), await listed('done')]).toEqual([['pending'], [], []]);
    for (let i = 0; i < MAX_INBOUND_ATTEMPTS; i++) {
      await db.query(`update queue.jobs set available_at = now() where ref_id = $1`, [event.id]);
      await t.drainInbound();
    }
    const failed = await t.request('GET', '/api/admin/inbound-events?state=failed', { token: s.tenant.token });
    expect(failed.body.items).toEqual([
      expect.objectContaining({ id: event.id, state: 'failed', attempts: MAX_INBOUND_ATTEMPTS, lastError: expect.any(String) }),
    ]);
    expect(await listed('pending')).toEqual([]);

    await db.query(`update inbound_events set payload = $2 where id = $1`, [
      event.id,
      JSON.stringify({ item: messengerMessage(s.pageId, '55501', 'recovered', 'm_recovered').entry[0].messaging[0] }),
    ]);
    const replay = await t.request('POST', `/api/admin/inbound-events/${event.id}/replay`, { token: s.tenant.token });
    expect(replay.status).toBe(202);
    await t.drainInbound();
    const texts = (await t.request('GET', `/api/conversations/${s.conversation.id}/messages`, { token: s.tenant.token })).body.items.map(
      (m: { text: string }) => m.text,
    );
    expect(texts).toContain('recovered');
    expect((await t.request('GET', '/api/admin/inbound-events?state=failed', { token: s.tenant.token })).body.items).toEqual([]);
    expect([await listed('pending'), await listed('done')]).toEqual([[], ['done']]);

    const agent = await t.addUser(s.tenant, 'agent');
    expect((await t.request('GET', '/api/admin/inbound-events', { token: agent.token })).status).toBe(403);
  });
});
