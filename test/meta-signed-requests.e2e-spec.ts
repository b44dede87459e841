import type { Client } from 'pg';
import { makeSignedRequest } from '../src/channels/meta/signed-request';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage as connect, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { HttpResult, TestApp, TestTenant, ownerClient } from './support/test-app';

const DAY_S = 86_400;
const nowS = () => Math.floor(Date.now() / 1000);

/**
 * Meta's deauthorize and data deletion callbacks carry a signed_request; a captured one must not
 * be usable later. Stale ones are refused, an old deauthorization never disconnects an account
 * connected again since, and the same deletion request delivered twice is one request.
 */
describe("replays of Meta's signed requests", () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, PUBLIC_BASE_URL: 'https://inbox.example' }));
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  const post = (path: 'deauthorize' | 'data-deletion', payload: Record<string, unknown>): Promise<HttpResult> =>
    t.request('POST', `/webhooks/meta/${path}`, {
      body: `signed_request=${makeSignedRequest({ algorithm: 'HMAC-SHA256', ...payload }, META_APP_SECRET)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  const postSigned = (path: 'deauthorize' | 'data-deletion', signed: string) =>
    t.request('POST', `/webhooks/meta/${path}`, { body: `signed_request=${signed}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

  const connectPage = (owner: TestTenant, pageId = platformId(), token = `EAAB-${platformId()}`) =>
    connect(t, graph, owner, { pageId, token, reconnect: true });
  const statusOf = async (owner: TestTenant, channelId: string) => (await t.request('GET', `/api/channels/${channelId}`, { token: owner.token })).body.status;
  const deletionRequests = async () => (await db.query(`select count(*)::int as n from directory.deletion_requests`)).rows[0].n;

  describe('deauthorize', () => {
    it('refuses a stale one (the 400-day-old replay) and one dated ahead of our clock; the channel stays connected', async () => {
      const owner = await t.signup();
      const { pageId, channelId } = await connectPage(owner);
      for (const issued_at of [nowS() - 400 * DAY_S, nowS() - 3601, nowS() + 600]) {
        const res = await post('deauthorize', { issued_at, user_id: '999', profile_id: pageId });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ statusCode: 400, code: 'SIGNED_REQUEST_EXPIRED', message: expect.any(String) });
      }
      const undated = await post('deauthorize', { user_id: '999', profile_id: pageId });
      expect(undated.body.code).toBe('INVALID_SIGNED_REQUEST');
      expect(await statusOf(owner, channelId)).toBe('active');
    });

    it('does not disconnect a channel reconnected after the deauthorization was issued; a later one does', async () => {
      const owner = await t.signup();
      const { pageId, channelId } = await connectPage(owner);
      // First connected 50 minutes ago; the app was removed 10 minutes ago; the owner reconnected just now.
      await db.query(`update channels set connected_at = now() - interval '50 minutes' where id = $1`, [channelId]);
      await connectPage(owner, pageId);
      const before = await post('deauthorize', { issued_at: nowS() - 600, user_id: '999', profile_id: pageId });
      expect(before.status).toBe(200);
      expect(before.body).toEqual({ received: true, disconnected: 0 });
      expect(await statusOf(owner, channelId)).toBe('active');
      // The route still leads to it.
      expect((await postMetaWebhook(t, messengerMessage(pageId, 'psid-after-reconnect', 'still here?'))).body).toMatchObject({ stored: 1 });

      const after = await post('deauthorize', { issued_at: nowS() + 1, user_id: '999', profile_id: pageId });
      expect(after.body).toEqual({ received: true, disconnected: 1 });
      expect(await statusOf(owner, channelId)).toBe('disconnected');
    });

    it('does not disconnect the new channel of an account connected again after a disconnect', async () => {
      const owner = await t.signup();
      const first = await connectPage(owner);
      const issued_at = nowS() - 120;
      await db.query(`update channels set connected_at = now() - interval '30 minutes' where id = $1`, [first.channelId]);
      expect((await post('deauthorize', { issued_at, user_id: '999', profile_id: first.pageId })).body.disconnected).toBe(1);
      const second = await connectPage(owner, first.pageId);
      expect(second.channelId).not.toBe(first.channelId);
      // The same callback again (Meta retrying, or someone replaying it).
      expect((await post('deauthorize', { issued_at, user_id: '999', profile_id: first.pageId })).body.disconnected).toBe(0);
      expect(await statusOf(owner, second.channelId)).toBe('active');
    });
  });

  describe('data deletion', () => {
    async function personWithMessages(userId: string) {
      const owner = await t.signup();
      const { pageId } = await connectPage(owner);
      await postMetaWebhook(t, messengerMessage(pageId, userId, 'please forget me'));
      await t.drainInbound();
      return owner;
    }
    const contactsOf = async (owner: TestTenant) => (await t.request('GET', '/api/conversations', { token: owner.token })).body.items.length;

    it('refuses a stale request and keeps everything (nothing recorded)', async () => {
      const userId = `U${platformId()}`;
      const owner = await personWithMessages(userId);
      const before = await deletionRequests();
      const res = await post('data-deletion', { issued_at: nowS() - 2 * 3600, user_id: userId });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('SIGNED_REQUEST_EXPIRED');
      expect(await deletionRequests()).toBe(before);
      expect(await contactsOf(owner)).toBe(1);
    });

    it('answers the same request delivered again with the same confirmation code and status URL, not a new request', async () => {
      const userId = `U${platformId()}`;
      const owner = await personWithMessages(userId);
      const signed = makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: nowS(), user_id: userId }, META_APP_SECRET);
      const before = await deletionRequests();
      const first = await postSigned('data-deletion', signed);
      expect(first.status).toBe(200);
      expect(await contactsOf(owner)).toBe(0);
      const again = await postSigned('data-deletion', signed);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(await deletionRequests()).toBe(before + 1);
      expect((await t.request('GET', `/privacy/deletion/${first.body.confirmation_code}`)).body).toMatchObject({
        status: 'completed',
        deleted: { messages: 1, contacts: 1 },
      });

      // A new request of the same person (issued at another time) is a request of its own.
      const later = await post('data-deletion', { issued_at: nowS() + 1, user_id: userId });
      expect(later.body.confirmation_code).not.toBe(first.body.confirmation_code);
    });

    it('runs a request that failed again when it is repeated, under the same code, keeping what it had erased', async () => {
      const userId = `U${platformId()}`;
      const owner = await personWithMessages(userId);
      const signed = makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: nowS(), user_id: userId }, META_APP_SECRET);
      const first = await postSigned('data-deletion', signed);
      const code = first.body.confirmation_code;
      // As if it had failed half-way: some counts recorded, and the person wrote again since.
      await db.query(`update directory.deletion_requests set status = 'failed', counts = '{"notes": 2}', completed_at = null where code = $1`, [code]);
      const { pageId } = await connectPage(owner);
      await postMetaWebhook(t, messengerMessage(pageId, userId, 'me again'));
      await t.drainInbound();

      const again = await postSigned('data-deletion', signed);
      expect(again.body.confirmation_code).toBe(code);
      expect(await contactsOf(owner)).toBe(0);
      expect((await t.request('GET', `/privacy/deletion/${code}`)).body).toMatchObject({ status: 'completed', deleted: { notes: 2, messages: 1 } });
      // One receipt in the tenant for the request, counting both runs.
      const receipts = (await db.query(`select counts from deletion_receipts where tenant_id = $1 and request_code = $2`, [owner.tenantId, code])).rows;
      expect(receipts).toEqual([{ counts: expect.objectContaining({ messages: 2, contacts: 2 }) }]);
    });
  });
});
