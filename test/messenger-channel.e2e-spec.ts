import { Client } from 'pg';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/** A Customer connects a Facebook Page and answers an End User, end to end. */
describe('Messenger channel', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let owner: TestTenant;
  let pageId: string;
  let channelId: string;
  let db: Client;
  const token = 'EAAB-page-token-for-tests-7c1d';
  const psid = '24000000000001';

  const eventsStored = async () => (await db.query(`select count(*)::int as n from inbound_events where tenant_id = $1`, [owner.tenantId])).rows[0].n;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN }));
    owner = await t.signup();
    pageId = platformId();
    graph.page(pageId, token);
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'messenger', name: 'Acme Page', config: { pageId }, credentials: { pageAccessToken: token } },
    });
    expect(res.status).toBe(201);
    channelId = res.body.id;
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  it('never returns the credentials', async () => {
    const list = await t.request('GET', '/api/channels', { token: owner.token });
    const one = await t.request('GET', `/api/channels/${channelId}`, { token: owner.token });
    expect(one.body).toMatchObject({ id: channelId, kind: 'messenger', status: 'active', config: { pageId } });
    expect(JSON.stringify([list.body, one.body])).not.toContain(token);
    expect(Object.keys(one.body)).not.toContain('credentials');
  });

  it('answers the subscription handshake for the right verify token only', async () => {
    const ok = await t.request('GET', `/webhooks/meta?hub.mode=subscribe&hub.verify_token=${META_VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.body).toBe(1158201444);
    const bad = await t.request('GET', '/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=x');
    expect(bad.status).toBe(403);
  });

  it('turns a signed message into a conversation, and a reply reaches the Send API', async () => {
    const res = await postMetaWebhook(t, messengerMessage(pageId, psid, 'Do you deliver on Sundays? 🍰', 'm_first'));
    expect(res.status).toBe(200);
    expect(await t.drainInbound()).toBe(1);

    const list = await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token });
    expect(list.body.items).toHaveLength(1);
    const conversation = list.body.items[0];
    const messages = await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token });
    expect(messages.body.items).toMatchObject([{ direction: 'inbound', text: 'Do you deliver on Sundays? 🍰', externalId: 'm_first' }]);
    const contact = await t.request('GET', `/api/contacts/${conversation.contactId}`, { token: owner.token });
    expect(contact.body.identities).toMatchObject([{ channelId, channelKind: 'messenger', externalId: psid }]);

    const reply = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'Yes, until 2 pm!' } });
    expect(reply.status).toBe(202);
    expect(reply.body.status).toBe('queued');
    expect(await t.drainOutbound()).toBe(1);

    const [call] = graph.callsTo(`/${pageId}/messages`);
    expect(call).toMatchObject({
      method: 'POST',
      authorization: `Bearer ${token}`,
      body: { recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'Yes, until 2 pm!' } },
    });
    const after = await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token });
    expect(after.body.items[0]).toMatchObject({ id: reply.body.id, status: 'sent', externalId: expect.stringMatching(/^m_fake/) });
  });

  it('sends attachments by URL through the Send API', async () => {
    const conv = (await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token })).body.items[0];
    const refused = await t.request('POST', `/api/conversations/${conv.id}/messages`, {
      token: owner.token,
      body: { attachments: [{ type: 'image', url: 'http://insecure.example/x.jpg' }] },
    });
    expect(refused.status).toBe(400);
    const calls = graph.callsTo(`/${pageId}/messages`).length;
    const res = await t.request('POST', `/api/conversations/${conv.id}/messages`, {
      token: owner.token,
      body: { text: 'Our menu', attachments: [{ type: 'file', url: 'https://example.com/menu.pdf' }] },
    });
    expect(res.status).toBe(202);
    await t.drainOutbound();
    const sent = graph
      .callsTo(`/${pageId}/messages`)
      .slice(calls)
      .map((c) => c.body.message);
    expect(sent).toEqual([{ attachment: { type: 'file', payload: { url: 'https://example.com/menu.pdf', is_reusable: false } } }, { text: 'Our menu' }]);
  });

  it('moves statuses forward with delivery and read watermarks, never back', async () => {
    const conv = (await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token })).body.items[0];
    const sent = (await t.request('GET', `/api/conversations/${conv.id}/messages`, { token: owner.token })).body.items[0];
    const now = Date.now() + 1000;
    const watermark = (kind: 'read' | 'delivery') => ({
      object: 'page',
      entry: [{ id: pageId, time: now, messaging: [{ sender: { id: psid }, recipient: { id: pageId }, timestamp: now, [kind]: { watermark: now } }] }],
    });
    await postMetaWebhook(t, watermark('read'));
    await t.drainInbound();
    const status = async () =>
      (await t.request('GET', `/api/conversations/${conv.id}/messages`, { token: owner.token })).body.items.find((m: { id: string }) => m.id === sent.id)
        .status;
    expect(await status()).toBe('read');
    await postMetaWebhook(t, watermark('delivery'));
    await t.drainInbound();
    expect(await status()).toBe('read');
  });

  it('does not duplicate the echo of our own reply, but stores one sent from the Page inbox', async () => {
    const conv = (await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token })).body.items[0];
    const ours = (await t.request('GET', `/api/conversations/${conv.id}/messages`, { token: owner.token })).body.items.find(
      (m: { direction: string }) => m.direction === 'outbound',
    );
    const echo = (mid: string, text: string) => ({
      object: 'page',
      entry: [
        {
          id: pageId,
          time: Date.now(),
          messaging: [{ sender: { id: pageId }, recipient: { id: psid }, timestamp: Date.now(), message: { mid, text, is_echo: true } }],
        },
      ],
    });
    await postMetaWebhook(t, echo(ours.externalId, ours.text));
    await postMetaWebhook(t, echo('m_from_page_inbox', 'Sent from Meta Business Suite'));
    await t.drainInbound();
    const items = (await t.request('GET', `/api/conversations/${conv.id}/messages`, { token: owner.token })).body.items;
    expect(items.filter((m: { externalId: string }) => m.externalId === ours.externalId)).toHaveLength(1);
    expect(items.find((m: { externalId: string }) => m.externalId === 'm_from_page_inbox')).toMatchObject({
      direction: 'outbound',
      text: 'Sent from Meta Business Suite',
      authorId: null,
    });
  });

  it('stores a message delivered three times, and three times at once, exactly once', async () => {
    const body = messengerMessage(pageId, psid, 'only once please', 'm_dupe');
    for (let i = 0; i < 3; i++) expect((await postMetaWebhook(t, body)).status).toBe(200);
    const concurrent = messengerMessage(pageId, psid, 'concurrent', 'm_dupe_concurrent');
    const results = await Promise.all([1, 2, 3].map(() => postMetaWebhook(t, concurrent)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    await t.drainInbound();
    const { rows } = await db.query(`select external_id from messages where tenant_id = $1 and external_id in ('m_dupe', 'm_dupe_concurrent')`, [
      owner.tenantId,
    ]);
    expect(rows.map((r) => r.external_id).sort()).toEqual(['m_dupe', 'm_dupe_concurrent']);
  });

  it('stores a text holding U+0000 (which PostgreSQL refuses) with U+FFFD, without failing the webhooks committed with it', async () => {
    const poisoned = messengerMessage(pageId, psid, 'before\u0000after', 'm_nul_char');
    const neighbour = messengerMessage(pageId, psid, 'an ordinary message', 'm_nul_neighbour');
    const results = await Promise.all([postMetaWebhook(t, poisoned), postMetaWebhook(t, neighbour)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await t.drainInbound();
    const { rows } = await db.query(
      `select external_id, text from messages where tenant_id = $1 and external_id in ('m_nul_char', 'm_nul_neighbour') order by external_id`,
      [owner.tenantId],
    );
    expect(rows).toEqual([
      { external_id: 'm_nul_char', text: 'before\uFFFDafter' },
      { external_id: 'm_nul_neighbour', text: 'an ordinary message' },
    ]);
  });

  it.each([
    ['a missing signature', { signature: null }],
    ['another secret', { secret: 'someone-elses-secret' }],
    ['a malformed header', { signature: 'sha1=abc' }],
  ])('refuses %s with 403 and stores nothing', async (_, opts) => {
    const before = await eventsStored();
    const res = await postMetaWebhook(t, messengerMessage(pageId, psid, 'forged'), opts as { secret?: string; signature?: string | null });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('INVALID_SIGNATURE');
    expect(await eventsStored()).toBe(before);
  });

  it('refuses one flipped byte and re-serialised JSON', async () => {
    const before = await eventsStored();
    const raw = JSON.stringify(messengerMessage(pageId, psid, 'caf\u00e9')).replace('é', '\\u00e9');
    const { signMetaBody } = await import('../src/channels/meta/meta-signature');
    const signature = signMetaBody(META_APP_SECRET, raw);
    const flipped = raw.replace('caf', 'cag');
    expect((await postMetaWebhook(t, flipped, { signature })).status).toBe(403);
    expect((await postMetaWebhook(t, JSON.stringify(JSON.parse(raw)), { signature })).status).toBe(403);
    expect((await postMetaWebhook(t, raw, { signature })).status).toBe(200);
    expect(await eventsStored()).toBe(before + 1);
  });

  it('drops, with 200, entries for pages nobody connected', async () => {
    const before = await eventsStored();
    const res = await postMetaWebhook(t, messengerMessage('999999999', psid, 'who am I talking to?'));
    expect(res.status).toBe(200);
    expect(await eventsStored()).toBe(before);
  });

  it('keeps a Page already connected by another tenant out of reach, revealing nothing', async () => {
    const other = await t.signup();
    // Another admin of the same Page, with a real Page token of their own: the proof of control passes, the claim does not.
    graph.page(pageId, 'EAAB-someone-else-token');
    const res = await t.request('POST', '/api/channels', {
      token: other.token,
      body: { kind: 'messenger', name: 'Not mine', config: { pageId }, credentials: { pageAccessToken: 'EAAB-someone-else-token' } },
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ statusCode: 409, code: 'CHANNEL_ALREADY_CONNECTED', message: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toContain(owner.tenantId);
  });

  it('stores no credential in plain text anywhere in the database', async () => {
    const tables = (
      await db.query(
        `select format('%I.%I', table_schema, table_name) as t from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
      )
    ).rows;
    for (const { t: table } of tables) {
      const { rows } = await db.query(`select count(*)::int as n from ${table} x where strpos(x::text, $1) > 0`, [token]);
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
    const { rows } = await db.query(`select credentials from channels where id = $1`, [channelId]);
    expect(rows[0].credentials).toMatch(/^v1\./);
  });
});
