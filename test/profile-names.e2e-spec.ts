import { ProfileNames } from '../src/conversations/profile-names.service';
import { InboundProcessor } from '../src/ingest/inbound-processor.worker';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, startWithFakeGraph, stopWithFakeGraph } from './support/channels';
import { META_APP_SECRET, instagramMessage, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * Messenger and Instagram webhooks name an End User by id only: the name is asked of the Graph API
 * once, after their message is stored (not on the webhook's ACK path), with the channel's token,
 * and kept in the contact; an agent's name for them wins.
 */
describe('profile names from the Graph API', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let owner: TestTenant;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
    owner = await t.signup();
  });
  afterAll(() => stopWithFakeGraph({ t, graph }));

  const contactOf = async (externalId: string) => {
    const list = await t.request('GET', '/api/conversations?limit=100', { token: owner.token });
    for (const c of list.body.items) {
      const contact = await t.request('GET', `/api/contacts/${c.contactId}`, { token: owner.token });
      if (contact.body.identities.some((i: { externalId: string }) => i.externalId === externalId)) return contact.body;
    }
    return undefined;
  };
  const profileCalls = (userId: string) => graph.calls.filter((c) => c.path === `/${userId}`);

  it("asks Messenger for a new End User's name once, with the Page's token, after the message is stored", async () => {
    const page = await connectPage(t, graph, owner);
    const psid = platformId();
    graph.profile(page.pageId, psid, { first_name: 'Ada', last_name: 'Lovelace', profile_pic: 'https://cdn.example/ada.jpg' });

    expect((await postMetaWebhook(t, messengerMessage(page.pageId, psid, 'hello'))).status).toBe(200);
    // Nothing is asked while the webhook is answered.
    expect(profileCalls(psid)).toEqual([]);
    await t.drainInbound();
    expect((await contactOf(psid)).displayName).toBe('Ada Lovelace');
    const [call] = profileCalls(psid);
    expect(call).toMatchObject({ method: 'GET', authorization: `Bearer ${page.token}` });
    expect(graph.queryOf(call)).toEqual({ fields: 'first_name,last_name' });

    await postMetaWebhook(t, messengerMessage(page.pageId, psid, 'second message'));
    await t.drainInbound();
    expect(profileCalls(psid)).toHaveLength(1);
  });

  it("keeps an agent's name for the contact, and stores the message when Graph will not tell the name", async () => {
    const page = await connectPage(t, graph, owner);
    const hidden = platformId();
    expect((await postMetaWebhook(t, messengerMessage(page.pageId, hidden, 'who am I?'))).status).toBe(200);
    await t.drainInbound();
    const contact = await contactOf(hidden);
    expect(contact.displayName).toBeNull();
    expect(profileCalls(hidden)).toHaveLength(1);

    const named = platformId();
    graph.profile(page.pageId, named, { first_name: 'Grace', last_name: 'Hopper' });
    await postMetaWebhook(t, messengerMessage(page.pageId, named, 'hi'));
    await t.drainInbound();
    const c = await contactOf(named);
    expect((await t.request('PATCH', `/api/contacts/${c.id}`, { token: owner.token, body: { displayName: 'Admiral Hopper' } })).status).toBe(200);
    // Once the name was asked 40 days ago (past the 30-day refresh), it is asked again; the agent's stays.
    const db = await ownerClient('eu');
    await db.query(`update contact_identities set profile_fetched_at = now() - interval '40 days' where external_id = $1`, [named]);
    await db.end();
    await postMetaWebhook(t, messengerMessage(page.pageId, named, 'again'));
    await t.drainInbound();
    expect(profileCalls(named)).toHaveLength(2);
    expect((await contactOf(named)).displayName).toBe('Admiral Hopper');
  });

  it('stores and lists messages while Graph is slow to name their sender, and asks once for an End User who writes again meanwhile', async () => {
    const page = await connectPage(t, graph, owner);
    const psid = platformId();
    graph.profile(page.pageId, psid, { first_name: 'Slow', last_name: 'Poke' });
    const answer = graph.slowDown(`/${psid}`);

    await postMetaWebhook(t, messengerMessage(page.pageId, psid, 'first'));
    // The processor is done with the batch although Graph has not answered.
    expect(await t.app.get(InboundProcessor).drain()).toBeGreaterThan(0);
    await postMetaWebhook(t, messengerMessage(page.pageId, psid, 'second'));
    expect(await t.app.get(InboundProcessor).drain()).toBeGreaterThan(0);
    const unnamed = await contactOf(psid);
    expect(unnamed.displayName).toBeNull();
    const messages = await t.request(
      'GET',
      `/api/conversations/${(await t.request('GET', `/api/contacts/${unnamed.id}/conversations`, { token: owner.token })).body.items[0].id}/messages`,
      {
        token: owner.token,
      },
    );
    expect(messages.body.items.map((m: { text: string }) => m.text).sort()).toEqual(['first', 'second']);

    answer();
    await t.app.get(ProfileNames).settled();
    expect((await contactOf(psid)).displayName).toBe('Slow Poke');
    expect(profileCalls(psid)).toHaveLength(1);
  });

  it('asks Instagram for the name, or the username when there is none', async () => {
    const igAccountId = platformId();
    const token = `IGQ-profile-${igAccountId}`;
    graph.instagram(igAccountId, token);
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'instagram', name: 'IG', config: { igAccountId }, credentials: { accessToken: token } },
    });
    expect(res.status).toBe(201);
    const [named, unnamed] = [platformId(), platformId()];
    graph.profile(igAccountId, named, { name: 'Linus T', username: 'linus' });
    graph.profile(igAccountId, unnamed, { username: 'shopper42' });
    for (const igsid of [named, unnamed]) await postMetaWebhook(t, instagramMessage(igAccountId, igsid, { mid: `ig-${igsid}`, text: 'hey' }));
    await t.drainInbound();
    expect((await contactOf(named)).displayName).toBe('Linus T');
    expect((await contactOf(unnamed)).displayName).toBe('@shopper42');
    expect(graph.queryOf(profileCalls(named)[0])).toEqual({ fields: 'name,username' });
    expect(profileCalls(named)[0].authorization).toBe(`Bearer ${token}`);
  });
});
