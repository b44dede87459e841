import { makeSignedRequest } from '../src/channels/meta/signed-request';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant } from './support/test-app';

const APP_ID = '1234567890123';
const nowS = () => Math.floor(Date.now() / 1000);

/**
 * Meta's data-deletion callback names the person by their app-scoped id (ASID); their Messenger
 * conversations are stored under Page-scoped ids. Graph's `ids_for_pages` maps one to the other,
 * and the status page tells what was matched and deleted.
 */
describe('Meta data deletion through ID matching', () => {
  let graph: FakeGraphServer;
  let t: TestApp;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_ID: APP_ID, META_APP_SECRET, PUBLIC_BASE_URL: 'https://inbox.example' }));
    graph.registerApp(APP_ID, META_APP_SECRET);
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  const signed = (userId: string, secret = META_APP_SECRET) => makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: nowS(), user_id: userId }, secret);
  const callback = (signedRequest: string) =>
    t.request('POST', '/webhooks/meta/data-deletion', {
      body: `signed_request=${signedRequest}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  const status = async (code: string) => (await t.request('GET', `/privacy/deletion/${code}`)).body;
  const statusPage = async (code: string) => String((await t.request('GET', `/privacy/deletion/${code}`, { headers: { accept: 'text/html' } })).body);
  const conversations = async (owner: TestTenant) => (await t.request('GET', '/api/conversations', { token: owner.token })).body.items.length;

  /** A tenant's Page where the person (by PSID) and a bystander wrote. */
  async function pageWithPerson(psid: string) {
    const owner = await t.signup();
    const { pageId } = await connectPage(t, graph, owner);
    await postMetaWebhook(t, messengerMessage(pageId, psid, 'please forget me'));
    await postMetaWebhook(t, messengerMessage(pageId, `bystander-${psid}`, 'I stay'));
    await t.drainInbound();
    return { owner, pageId };
  }

  it("deletes the conversation stored under the person's PSID, asking Graph with the app token, through every page of the answer", async () => {
    const asid = platformId();
    const psid = platformId();
    const { owner, pageId } = await pageWithPerson(psid);
    // 100 ids on Pages not connected here come first: the match is on the second page of the answer.
    for (let i = 0; i < 100; i++) graph.pageScopedId(asid, `77${i}`, `88${i}${asid}`);
    graph.pageScopedId(asid, pageId, psid);
    expect(await conversations(owner)).toBe(2);

    const res = await callback(signed(asid));
    expect(res.status).toBe(200);
    expect(await conversations(owner)).toBe(1);
    const calls = graph.callsTo(`/${asid}/ids_for_pages`);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call).toMatchObject({ method: 'GET', authorization: `Bearer ${APP_ID}|${META_APP_SECRET}` });
      expect(graph.queryOf(call).appsecret_proof).toMatch(/^[0-9a-f]{64}$/);
    }
    const s = await status(res.body.confirmation_code);
    expect(s).toMatchObject({ status: 'completed', deleted: { messages: 1, contacts: 1, conversations: 1 } });
    expect(s.outcome).toContain('matched this person to 101 accounts on Pages; data of 1 account was found here');
    const page = await statusPage(res.body.confirmation_code);
    expect(page).toContain('1 contact records');
    expect(page).not.toContain(psid);
    expect(page).not.toContain(asid);
  });

  it('completes an unknown person with "nothing found"', async () => {
    const asid = platformId();
    const res = await callback(signed(asid));
    expect(res.status).toBe(200);
    const s = await status(res.body.confirmation_code);
    expect(s).toMatchObject({ status: 'completed', deleted: {} });
    expect(s.outcome).toMatch(/^Nothing found/);
    expect(s.outcome).toContain('matched this person to 0 accounts');
  });

  it('keeps the request pending ("in progress") when Graph fails, and finishes it under the same code when Meta repeats it', async () => {
    const asid = platformId();
    const psid = platformId();
    const { owner, pageId } = await pageWithPerson(psid);
    graph.pageScopedId(asid, pageId, psid);
    graph.failNext(`/${asid}/ids_for_pages`, 500, { message: 'An unknown error occurred', type: 'OAuthException', code: 1 });
    const request = signed(asid);

    const first = await callback(request);
    expect(first.status).toBe(200);
    const code = first.body.confirmation_code;
    expect(await status(code)).toMatchObject({ status: 'pending', completedAt: null, outcome: expect.stringMatching(/^In progress/) });
    expect(await statusPage(code)).toContain('in progress');
    expect(await conversations(owner)).toBe(2);

    const again = await callback(request);
    expect(again.body).toEqual(first.body);
    expect(await status(code)).toMatchObject({ status: 'completed', deleted: { messages: 1, contacts: 1 } });
    expect(await conversations(owner)).toBe(1);
  });

  it('stays pending when Graph refuses the token', async () => {
    const asid = platformId();
    const { pageId } = await pageWithPerson(platformId());
    graph.pageScopedId(asid, pageId, platformId());
    graph.registerApp(APP_ID, 'not-the-app-secret');
    try {
      const res = await callback(signed(asid));
      expect(res.status).toBe(200);
      expect(await status(res.body.confirmation_code)).toMatchObject({ status: 'pending', outcome: expect.stringMatching(/^In progress/) });
    } finally {
      graph.registerApp(APP_ID, META_APP_SECRET);
    }
  });

  it('refuses a forged signed_request without asking Graph', async () => {
    const asid = platformId();
    const res = await callback(signed(asid, 'not-the-app-secret'));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_SIGNED_REQUEST');
    expect(graph.callsTo(`/${asid}/ids_for_pages`)).toHaveLength(0);
  });
});
