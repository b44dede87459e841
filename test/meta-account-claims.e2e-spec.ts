import type { Client } from 'pg';
import { InstagramAdapter } from '../src/channels/instagram/instagram.adapter';
import { MessengerAdapter } from '../src/channels/messenger/messenger.adapter';
import { GraphClient } from '../src/channels/meta/graph-client';
import { MetaAccountControl } from '../src/channels/meta/meta-account-control';
import { WhatsAppAdapter } from '../src/channels/whatsapp/whatsapp.adapter';
import { PHONE_NUMBERS_PAGE } from '../src/channels/meta/meta-account-control';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, instagramMessage, messengerMessage, platformId, postMetaWebhook, waId, whatsappMessage } from './support/meta';
import { HttpResult, TestApp, TestTenant, ownerClient } from './support/test-app';

/** The three Meta kinds' adapters, talking to Graph at `graphUrl`. */
function metaAdapters(graphUrl: string) {
  const graph = new GraphClient(graphUrl);
  const control = new MetaAccountControl(graph);
  const config = { webhooksAllowLocalTargets: false } as never;
  return [new MessengerAdapter(graph, control, config), new InstagramAdapter(graph, control, config), new WhatsAppAdapter(graph, control, config)];
}

type Kind = 'messenger' | 'instagram' | 'whatsapp';

/** A Meta account that exists on the (fake) platform, with the token that controls it. */
interface Account {
  kind: Kind;
  /** The channel config naming it. */
  config: Record<string, string>;
  token: string;
  /** Where connecting subscribes the app: the Page (Instagram: its linked Page) or the WABA. */
  subscribedAppsPath: string;
  /** A signed webhook carrying one message from an End User to this account. */
  webhook: (text: string) => unknown;
}

/**
 * Connecting a Messenger Page, an Instagram account or a WhatsApp number proves with the Graph API
 * that the token controls exactly that account before the directory is asked who has it: a
 * made-up token, or a real token of another account, cannot take a business's customers'
 * messages, and the answer is the same whether or not the account is connected.
 */
describe('claiming a Meta account needs proof of control', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  /** Creates an account on the fake platform (not connected anywhere yet). */
  function account(kind: Kind): Account {
    const id = platformId();
    if (kind === 'messenger') {
      const token = `EAAB-page-${id}`;
      graph.page(id, token);
      return {
        kind,
        config: { pageId: id },
        token,
        subscribedAppsPath: `/${id}/subscribed_apps`,
        webhook: (text) => messengerMessage(id, `psid-${platformId()}`, text),
      };
    }
    if (kind === 'instagram') {
      const token = `EAAB-ig-page-${id}`;
      const pageId = graph.instagram(id, token);
      return {
        kind,
        config: { igAccountId: id },
        token,
        subscribedAppsPath: `/${pageId}/subscribed_apps`,
        webhook: (text) => instagramMessage(id, `igsid-${platformId()}`, { text }),
      };
    }
    const wabaId = platformId();
    const token = `EAAG-system-user-${id}`;
    graph.whatsapp(id, wabaId, token);
    return {
      kind,
      config: { phoneNumberId: id, wabaId },
      token,
      subscribedAppsPath: `/${wabaId}/subscribed_apps`,
      webhook: (text) => whatsappMessage(wabaId, id, waId(), { type: 'text', text: { body: text } }),
    };
  }

  const credentials = (kind: Kind, token: string): Record<string, string> => (kind === 'messenger' ? { pageAccessToken: token } : { accessToken: token });

  function connect(tenant: TestTenant, kind: Kind, config: Record<string, string>, token: string): Promise<HttpResult> {
    return t.request('POST', '/api/channels', { token: tenant.token, body: { kind, name: `${kind} channel`, config, credentials: credentials(kind, token) } });
  }

  async function connected(tenant: TestTenant, a: Account): Promise<string> {
    const res = await connect(tenant, a.kind, a.config, a.token);
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** Delivers one message to the account and says which tenant's inbox it reached (by channel). */
  async function receivedBy(a: Account, channelId: string, owner: TestTenant): Promise<number> {
    expect((await postMetaWebhook(t, a.webhook(`hello ${platformId()}`))).status).toBe(200);
    await t.drainInbound();
    return (await t.request('GET', `/api/conversations?channelId=${channelId}&limit=100`, { token: owner.token })).body.items.length;
  }

  const channelsOf = async (tenant: TestTenant) => (await t.request('GET', '/api/channels', { token: tenant.token })).body.items;
  const routesOf = async (kind: Kind, key: string) =>
    (await db.query(`select tenant_id from directory.channel_routes where platform = $1 and routing_key = $2`, [kind, key])).rows;
  const routingKey = (a: Account) => a.config.pageId ?? a.config.igAccountId ?? a.config.phoneNumberId;
  /** An answer with the account ids taken out: what is left must not depend on who has the account. */
  const shape = (res: HttpResult, ...ids: string[]) => ({
    status: res.status,
    body: JSON.parse(ids.reduce((s, id) => s.split(id).join('<id>'), JSON.stringify(res.body))),
  });

  describe.each<Kind>(['messenger', 'instagram', 'whatsapp'])('%s', (kind) => {
    it('refuses a made-up token with 400 META_TOKEN_INVALID, the same whether or not the account is connected; the owner keeps receiving', async () => {
      const a = await t.signup();
      const b = await t.signup();
      const taken = account(kind);
      const free = account(kind);
      const channelId = await connected(a, taken);
      const before = await receivedBy(taken, channelId, a);

      const madeUp = `EAAB-made-up-${platformId()}`;
      const onTaken = await connect(b, kind, taken.config, madeUp);
      const onFree = await connect(b, kind, free.config, madeUp);
      expect(onTaken.status).toBe(400);
      expect(onTaken.body).toEqual({ statusCode: 400, code: 'META_TOKEN_INVALID', message: expect.any(String) });
      expect(shape(onTaken, routingKey(taken))).toEqual(shape(onFree, routingKey(free)));
      expect(JSON.stringify(onTaken.body)).not.toContain(madeUp);

      expect(await channelsOf(b)).toEqual([]);
      expect(await routesOf(kind, routingKey(taken))).toEqual([{ tenant_id: a.tenantId }]);
      expect(await routesOf(kind, routingKey(free))).toEqual([]);
      expect(await receivedBy(taken, channelId, a)).toBe(before + 1);
    });

    it('refuses a real token of another account with 400 META_ACCOUNT_MISMATCH, the same whether or not the account is connected', async () => {
      const a = await t.signup();
      const b = await t.signup();
      const taken = account(kind);
      const free = account(kind);
      const bOwn = account(kind); // B's own account, with its valid token
      const channelId = await connected(a, taken);

      const onTaken = await connect(b, kind, taken.config, bOwn.token);
      const onFree = await connect(b, kind, free.config, bOwn.token);
      expect(onTaken.status).toBe(400);
      expect(onTaken.body).toEqual({ statusCode: 400, code: 'META_ACCOUNT_MISMATCH', message: expect.any(String) });
      expect(shape(onTaken, ...Object.values(taken.config))).toEqual(shape(onFree, ...Object.values(free.config)));
      expect(JSON.stringify(onTaken.body)).not.toContain(bOwn.token);

      expect(await channelsOf(b)).toEqual([]);
      expect(await routesOf(kind, routingKey(taken))).toEqual([{ tenant_id: a.tenantId }]);
      expect(await receivedBy(taken, channelId, a)).toBeGreaterThan(0);
      // B's token does connect B's own account.
      expect((await connect(b, kind, bOwn.config, bOwn.token)).status).toBe(201);
    });

    it("proves control, then subscribes the app to the account's webhooks with its token, the token never in a URL", async () => {
      const owner = await t.signup();
      const a = account(kind);
      const from = graph.calls.length;
      await connected(owner, a);
      const calls = graph.calls.slice(from);
      expect(calls.every((c) => c.authorization === `Bearer ${a.token}`)).toBe(true);
      expect(calls.every((c) => !JSON.stringify(graph.queryOf(c)).includes(a.token))).toBe(true);

      const subscribe = graph.callsTo(a.subscribedAppsPath);
      expect(subscribe).toHaveLength(1);
      expect(subscribe[0]).toMatchObject({ method: 'POST', authorization: `Bearer ${a.token}` });
      // The proof (read-only) comes first; subscribing is the last call.
      expect(calls.at(-1)).toBe(subscribe[0]);
      if (kind === 'whatsapp') {
        expect(graph.queryOf(subscribe[0])).toEqual({});
        expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
          `GET /${a.config.phoneNumberId}`,
          `GET /${a.config.wabaId}/phone_numbers`,
          `POST ${a.subscribedAppsPath}`,
        ]);
      } else {
        expect(graph.queryOf(subscribe[0]).subscribed_fields.split(',')).toEqual([
          'messages',
          'messaging_postbacks',
          'message_deliveries',
          'message_reads',
          'message_echoes',
          'message_reactions',
          'message_edits',
          'standby',
        ]);
        expect(calls.filter((c) => c.path === '/me').length).toBeGreaterThan(0);
      }
    });

    it('verifies a reconnect too: a bad token leaves the channel as it was; a good one replaces the credentials and subscribes again', async () => {
      const owner = await t.signup();
      const a = account(kind);
      const channelId = await connected(owner, a);
      const before = (await t.request('GET', `/api/channels/${channelId}`, { token: owner.token })).body;

      const bad = await connect(owner, kind, a.config, `EAAB-made-up-${platformId()}`);
      expect(bad.body.code).toBe('META_TOKEN_INVALID');
      expect((await t.request('GET', `/api/channels/${channelId}`, { token: owner.token })).body).toEqual(before);

      const other = account(kind);
      const foreign = await connect(owner, kind, a.config, other.token);
      expect(foreign.body.code).toBe('META_ACCOUNT_MISMATCH');

      const rotated = `${a.token}-rotated`;
      if (kind === 'messenger') graph.page(a.config.pageId, rotated);
      else if (kind === 'instagram') graph.instagram(a.config.igAccountId, rotated, { pageId: a.subscribedAppsPath.split('/')[1] });
      else graph.whatsapp(a.config.phoneNumberId, a.config.wabaId, rotated);
      const good = await connect(owner, kind, a.config, rotated);
      expect(good.status).toBe(200);
      expect(good.body).toMatchObject({ id: channelId, status: 'active' });
      expect(graph.callsTo(a.subscribedAppsPath).map((c) => c.authorization)).toEqual([`Bearer ${a.token}`, `Bearer ${rotated}`]);
    });

    it('when subscribing fails after the claim, claims nothing and stores nothing (permission: 400 META_PERMISSION_MISSING; outage: 503 META_UNAVAILABLE; anything else: 503 META_SUBSCRIPTION_REFUSED)', async () => {
      const owner = await t.signup();
      const a = account(kind);
      graph.failNext(a.subscribedAppsPath, 403, {
        message: '(#200) Requires pages_manage_metadata permission to manage the object',
        type: 'OAuthException',
        code: 200,
      });
      const denied = await connect(owner, kind, a.config, a.token);
      expect(denied.status).toBe(400);
      expect(denied.body).toEqual({ statusCode: 400, code: 'META_PERMISSION_MISSING', message: expect.stringContaining('pages_manage_metadata') });

      graph.failNext(a.subscribedAppsPath, 500, {
        message: 'An unexpected error has occurred. Please retry your request later.',
        type: 'OAuthException',
        code: 2,
      });
      const down = await connect(owner, kind, a.config, a.token);
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('META_UNAVAILABLE');

      graph.failNext(a.subscribedAppsPath, 400, {
        message: '(#100) Param subscribed_fields must be one of {feed, mention} - got "messages"',
        type: 'OAuthException',
        code: 100,
      });
      const refused = await connect(owner, kind, a.config, a.token);
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ statusCode: 503, code: 'META_SUBSCRIPTION_REFUSED', message: expect.stringContaining('subscribed_fields') });

      expect(await channelsOf(owner)).toEqual([]);
      expect(await routesOf(kind, routingKey(a))).toEqual([]);
      expect((await db.query(`select count(*)::int as n from channels where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
      // Nothing half-written: the next attempt connects normally.
      expect((await connect(owner, kind, a.config, a.token)).status).toBe(201);
    });

    it('answers 503 META_UNAVAILABLE, not a 4xx, when Meta cannot be asked; nothing is claimed', async () => {
      const owner = await t.signup();
      const a = account(kind);
      graph.failNext(kind === 'whatsapp' ? `/${a.config.phoneNumberId}` : '/me', 503, { message: 'Service temporarily unavailable', code: 2 });
      const res = await connect(owner, kind, a.config, a.token);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ statusCode: 503, code: 'META_UNAVAILABLE', message: expect.any(String) });
      expect(await routesOf(kind, routingKey(a))).toEqual([]);

      const [adapter] = metaAdapters('http://127.0.0.1:9').filter((x) => x.kind === kind);
      await expect(adapter.identify!({ tenantId: 't', channelId: 'c', config: a.config, credentials: credentials(kind, a.token) })).rejects.toMatchObject({
        kind: 'unavailable',
        code: 'META_UNAVAILABLE',
      });
    });
  });

  it('Instagram: a Page token of a Page without that Instagram account, or a user token, is a mismatch', async () => {
    const owner = await t.signup();
    const ig = account('instagram');
    const plainPage = account('messenger'); // a Page with no Instagram account linked
    expect((await connect(owner, 'instagram', ig.config, plainPage.token)).body.code).toBe('META_ACCOUNT_MISMATCH');
    const user = `EAAB-user-${platformId()}`;
    graph.account(platformId(), user);
    expect((await connect(owner, 'instagram', ig.config, user)).body.code).toBe('META_ACCOUNT_MISMATCH');
  });

  it('WhatsApp: the number must belong to the WhatsApp Business Account given, found on any page of its numbers', async () => {
    const a = await t.signup();
    const b = await t.signup();
    const theirs = account('whatsapp');
    const mine = account('whatsapp');
    // B's own number, but A's business account: the number is not one of that account's.
    const wrongWaba = await connect(b, 'whatsapp', { phoneNumberId: mine.config.phoneNumberId, wabaId: theirs.config.wabaId }, mine.token);
    expect(wrongWaba.body.code).toBe('META_ACCOUNT_MISMATCH');
    expect(graph.callsTo(`/${theirs.config.wabaId}/subscribed_apps`)).toEqual([]);

    // A business account with more numbers than one page of the list holds; ours is the last one.
    const wabaId = platformId();
    const token = `EAAG-big-waba-${wabaId}`;
    const numbers = Array.from({ length: PHONE_NUMBERS_PAGE + 1 }, () => platformId());
    for (const n of numbers) graph.whatsapp(n, wabaId, token);
    const res = await connect(a, 'whatsapp', { phoneNumberId: numbers.at(-1)!, wabaId }, token);
    expect(res.status).toBe(201);
    const pages = graph.callsTo(`/${wabaId}/phone_numbers`);
    expect(pages).toHaveLength(2);
    expect(graph.queryOf(pages[1]).after).toEqual(expect.any(String));
  });
});
