import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant } from './support/test-app';

/** Replies to several conversations go out side by side, each conversation's in the order they were queued. */
describe('outbound sending in lanes', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let owner: TestTenant;
  let pageId: string;
  const token = 'EAAB-lanes-page-token';
  const psids = ['24000000000101', '24000000000102', '24000000000103'];

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN }));
    owner = await t.signup();
    pageId = platformId();
    graph.page(pageId, token);
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'messenger', name: 'Lanes Page', config: { pageId }, credentials: { pageAccessToken: token } },
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  it('sends every queued reply once, in queue order per conversation', async () => {
    for (const [i, psid] of psids.entries()) expect((await postMetaWebhook(t, messengerMessage(pageId, psid, `hello ${i}`, `m_lanes_${i}`))).status).toBe(200);
    await t.drainInbound();
    const conversations = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items as Array<{ id: string; contactId: string }>;
    expect(conversations).toHaveLength(psids.length);

    // Interleaved: the first reply of each conversation, then the second of each...
    for (let n = 1; n <= 4; n++) {
      for (const c of conversations) {
        const res = await t.request('POST', `/api/conversations/${c.id}/messages`, { token: owner.token, body: { text: `${c.id} reply ${n}` } });
        expect(res.status).toBe(202);
      }
    }
    expect(await t.drainOutbound()).toBe(4 * conversations.length);

    const sent = graph.callsTo(`/${pageId}/messages`).map((call) => call.body.message.text as string);
    expect(sent).toHaveLength(4 * conversations.length);
    for (const c of conversations) expect(sent.filter((text) => text.startsWith(c.id))).toEqual([1, 2, 3, 4].map((n) => `${c.id} reply ${n}`));
    const listed = await t.request('GET', `/api/conversations/${conversations[0].id}/messages`, { token: owner.token });
    expect(listed.body.items.filter((m: { direction: string; status: string }) => m.direction === 'outbound' && m.status === 'sent')).toHaveLength(4);
  });
});
