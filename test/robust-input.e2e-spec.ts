import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { DomainError } from '../libs/domain/src';
import { InboxGroupCommit, InboxRow } from '../src/ingest/group-commit';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook, whatsappStatuses, whatsappWebhook } from './support/meta';
import { HttpResult, TestApp, TestTenant, ownerClient } from './support/test-app';

/** JSON text nesting `depth` arrays. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** JSON text of `value` where the string 'SURROGATE' stands for the escape of a lone surrogate. */
const withEscape = (value: unknown, escape = '\\ud800') => JSON.stringify(value).replaceAll('SURROGATE', escape);

/**
 * No input fails another request, and no input answers 500: bad rows are isolated in the shared
 * inbox statement, lone surrogates are refused (API) or replaced (webhooks), malformed webhook
 * entries are parked while the rest of their batch is stored, and JSON nests only so deep.
 */
describe('robust input', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let db: Client;
  let visitorIp = 0;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  const expectError = (res: HttpResult, status: number, code: string) => {
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(Object.keys(res.body).sort()).toEqual(['code', 'message', 'statusCode']);
  };

  const connect = async (tenant: TestTenant, body: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/channels', { token: tenant.token, body });
    expect(res.status).toBe(201);
    return res.body as { id: string; config: Record<string, string> };
  };
  const connectMessenger = async (tenant: TestTenant, pageId = platformId()) => {
    graph.page(pageId, `EAAB-robust-${pageId}`);
    return {
      pageId,
      channelId: (
        await connect(tenant, { kind: 'messenger', name: `Page ${pageId}`, config: { pageId }, credentials: { pageAccessToken: `EAAB-robust-${pageId}` } })
      ).id,
    };
  };
  const connectWhatsApp = async (tenant: TestTenant, phoneNumberId = platformId(), wabaId = platformId()) => {
    graph.whatsapp(phoneNumberId, wabaId, `EAAG-robust-${phoneNumberId}`);
    return {
      phoneNumberId,
      wabaId,
      channelId: (
        await connect(tenant, {
          kind: 'whatsapp',
          name: `WhatsApp ${phoneNumberId}`,
          config: { phoneNumberId, wabaId },
          credentials: { accessToken: `EAAG-robust-${phoneNumberId}` },
        })
      ).id,
    };
  };

  /** A web chat visitor with a session, each from an address of its own (the per-address budgets stay out of the way). */
  const newVisitor = async (channelKey: string) => {
    const remoteAddress = `203.0.113.${++visitorIp}`;
    const started = await t.app.inject({
      method: 'POST',
      url: `/webchat/${channelKey}/sessions`,
      remoteAddress,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(started.statusCode).toBe(201);
    const token = JSON.parse(started.body).token as string;
    return async (payload: string): Promise<HttpResult> => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/webchat/${channelKey}/messages`,
        remoteAddress,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload,
      });
      return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers };
    };
  };

  const eventsOf = async (tenant: TestTenant, channelId: string) =>
    (
      await db.query(
        `select dedupe_key, payload, state, last_error, parked_at from inbound_events where tenant_id = $1 and channel_id = $2 order by received_at, dedupe_key`,
        [tenant.tenantId, channelId],
      )
    ).rows;

  describe('one bad row never fails a batch', () => {
    it('a web chat message with a lone surrogate is refused alone; the visitors and signed webhooks sharing its group commit are stored', async () => {
      const owner = await t.signup();
      const webchat = await connect(owner, { kind: 'webchat', name: 'Site chat', config: { allowedOrigins: ['https://shop.example'] }, credentials: {} });
      const page = await connectMessenger(owner);
      const visitors = await Promise.all(Array.from({ length: 24 }, () => newVisitor(webchat.config.channelKey)));

      const bad = visitors[0](withEscape({ clientMessageId: 'bad-message-0001', text: 'x SURROGATE' }));
      const good = visitors.slice(1).map((send, i) => send(JSON.stringify({ clientMessageId: `good-message-${1000 + i}`, text: `hello ${i}` })));
      const webhooks = Array.from({ length: 12 }, (_, i) => postMetaWebhook(t, messengerMessage(page.pageId, `psid-${i}`, `webhook ${i}`)));
      const [refused, ...rest] = await Promise.all([bad, ...good, ...webhooks]);

      expectError(refused, 400, 'VALIDATION_FAILED');
      expect(refused.body.message).toBe('text must not contain an unpaired UTF-16 surrogate');
      expect(rest.slice(0, good.length).map((r) => [r.status, r.body.status])).toEqual(good.map(() => [202, 'accepted']));
      expect(rest.slice(good.length).map((r) => [r.status, r.body])).toEqual(webhooks.map(() => [200, { received: true, stored: 1 }]));
      expect(await eventsOf(owner, webchat.id)).toHaveLength(good.length);
      expect(await eventsOf(owner, page.channelId)).toHaveLength(webhooks.length);
    });

    describe('the group commit isolates a failing row, whatever makes it fail', () => {
      let tenant: TestTenant;
      let channelId: string;
      const row = (dedupeKey: string, payload = JSON.stringify({ dedupeKey })): InboxRow => ({ channelId, dedupeKey, payload });
      const stored = async (keys: string[]) =>
        (
          await db.query(`select dedupe_key from inbound_events where tenant_id = $1 and dedupe_key = any($2) order by dedupe_key`, [tenant.tenantId, keys])
        ).rows.map((r) => r.dedupe_key);
      const jobs = async (keys: string[]) =>
        (
          await db.query(
            `select count(*)::int as n from queue.jobs j join inbound_events e on e.tenant_id = j.tenant_id and e.id = j.ref_id where e.tenant_id = $1 and e.dedupe_key = any($2)`,
            [tenant.tenantId, keys],
          )
        ).rows[0].n;

      beforeAll(async () => {
        tenant = await t.signup();
        channelId = (await connectMessenger(tenant)).channelId;
      });

      it("callers sharing a flush with unstorable rows get their answer; only the bad rows' callers get a 4xx", async () => {
        const commit = new InboxGroupCommit(t.dbs);
        const run = randomUUID();
        const key = (i: number) => `${run}:${i}`;
        // Added in the same tick: one flush, one statement, which jsonb refuses for the bad rows.
        const calls = [
          commit.add(tenant, [row(key(1)), row(key(2))]),
          commit.add(tenant, [row(key(3), '{"not json')]),
          commit.add(tenant, [row(key(4))]),
          commit.add(tenant, [row(key(5)), row(key(6), '"\\ud800"'), row(key(7))]),
          ...Array.from({ length: 20 }, (_, i) => commit.add(tenant, [row(key(10 + i))])),
          commit.add(tenant, [row(key(1))]), // a duplicate of the first caller's row
        ];
        const outcomes = await Promise.allSettled(calls);
        const summary = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : `${(o.reason as DomainError).kind}:${(o.reason as DomainError).code}`));
        expect(summary).toEqual([2, 'invalid:UNSTORABLE_ITEM', 1, 'invalid:UNSTORABLE_ITEM', ...Array(20).fill(1), 0]);

        const good = [1, 2, 4, 5, 7, ...Array.from({ length: 20 }, (_, i) => 10 + i)].map(key);
        expect(await stored([...good, key(3), key(6)])).toEqual([...good].sort());
        expect(await jobs(good)).toBe(good.length);
      });

      it("rows of several organizations share one flush, each stored as its own tenant's; a bad row fails only its caller", async () => {
        const other = await t.signup();
        const otherChannel = (await connectMessenger(other)).channelId;
        const commit = new InboxGroupCommit(t.dbs);
        const run = randomUUID();
        const key = (i: number) => `${run}:${i}`;
        const query = jest.spyOn(t.dbs.region(tenant.region), 'query');
        const outcomes = await Promise.allSettled([
          commit.add(tenant, [row(key(1))]),
          commit.add(other, [{ channelId: otherChannel, dedupeKey: key(2), payload: '{}' }]),
          commit.add(other, [{ channelId: otherChannel, dedupeKey: key(3), payload: '{"not json' }]),
          commit.add(tenant, [row(key(4))]),
        ]);
        // One statement for the four (then halves for the bad row), not one per organization.
        expect(query.mock.calls[0][0]).toMatch(/inbox_store_many/);
        expect((query.mock.calls[0][1] as unknown[][])[0]).toHaveLength(4);
        query.mockRestore();
        const summary = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : `${(o.reason as DomainError).kind}:${(o.reason as DomainError).code}`));
        expect(summary).toEqual([1, 1, 'invalid:UNSTORABLE_ITEM', 1]);
        const tenantsOf = async (keys: string[]) =>
          (await db.query(`select dedupe_key, tenant_id from inbound_events where dedupe_key = any($1) order by dedupe_key`, [keys])).rows.map((r) => [
            r.dedupe_key,
            r.tenant_id,
          ]);
        expect(await tenantsOf([1, 2, 3, 4].map(key))).toEqual([
          [key(1), tenant.tenantId],
          [key(2), other.tenantId],
          [key(4), tenant.tenantId],
        ]);
      });

      it("over HTTP: webhooks for a channel gone behind the routes' back fail alone (and are dropped), the others sharing their flushes are stored", async () => {
        const owner = await t.signup();
        const [gone, kept] = [await connectMessenger(owner), await connectMessenger(owner)];
        // The directory still routes the Page, but its channel row is gone: every row for it breaks the foreign key.
        await db.query(`delete from channels where tenant_id = $1 and id = $2`, [owner.tenantId, gone.channelId]);

        const results = await Promise.all([
          ...Array.from({ length: 10 }, (_, i) => postMetaWebhook(t, messengerMessage(kept.pageId, `psid-${i}`, `kept ${i}`))),
          postMetaWebhook(t, messengerMessage(gone.pageId, 'psid-gone', 'to a channel that is gone')),
          ...Array.from({ length: 10 }, (_, i) => postMetaWebhook(t, messengerMessage(kept.pageId, `psid-${10 + i}`, `kept ${10 + i}`))),
        ]);
        // A vanished channel is dropped like an account nobody connected (see tenant termination).
        expect(results.splice(10, 1)[0].body).toEqual({ received: true, stored: 0 });
        expect(results.map((r) => [r.status, r.body])).toEqual(results.map(() => [200, { received: true, stored: 1 }]));
        expect(await eventsOf(owner, kept.channelId)).toHaveLength(20);
      });

      it('a lost database still fails the whole flush with 503, without retrying row by row', async () => {
        const commit = new InboxGroupCommit(t.dbs);
        const query = jest.spyOn(t.dbs.region(tenant.region), 'query').mockRejectedValue(new Error('Connection terminated unexpectedly'));
        try {
          const outcomes = await Promise.allSettled([commit.add(tenant, [row(randomUUID())]), commit.add(tenant, [row(randomUUID()), row(randomUUID())])]);
          expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
          expect(query).toHaveBeenCalledTimes(1);
        } finally {
          query.mockRestore();
        }
        const res = await t.request('GET', '/api/conversations', { token: tenant.token });
        expect(res.status).toBe(200);
      });
    });

    it('a signed Meta webhook whose messaging is an object, or whose messages is a number, parks those entries and stores the rest', async () => {
      const owner = await t.signup();
      const [a, b] = [await connectMessenger(owner), await connectMessenger(owner)];
      const wa = await connectWhatsApp(owner);
      const good = (pageId: string, mid: string) => ({
        sender: { id: `psid-${mid}` },
        recipient: { id: pageId },
        timestamp: Date.now(),
        message: { mid, text: `text of ${mid}` },
      });
      const messenger = {
        object: 'page',
        entry: [
          { id: a.pageId, time: Date.now(), messaging: { sender: { id: 'psid-x' }, message: { mid: 'm-in-an-object', text: 'lost?' } } },
          { id: b.pageId, time: Date.now(), messaging: [good(b.pageId, `m-${randomUUID()}`), 42, null, good(b.pageId, `m-${randomUUID()}`)] },
          {
            id: b.pageId,
            time: Date.now(),
            messaging: [{ sender: { id: { toString: 1 } }, message: { mid: { toString: 1 }, text: 'keys that do not stringify' } }],
          },
          { id: { toString: 1 }, messaging: [good(b.pageId, 'never routed')] },
          'not an entry',
        ],
      };
      const res = await postMetaWebhook(t, messenger);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true, stored: 3 });

      const whatsapp = whatsappWebhook(wa.wabaId, wa.phoneNumberId, {
        contacts: { wa_id: 'not a list' } as never,
        messages: 5 as never,
        statuses: whatsappStatuses(wa.wabaId, wa.phoneNumberId, '4915550001', [{ id: `wamid.${randomUUID()}`, status: 'sent' }]).entry[0].changes[0].value
          .statuses,
      });
      const res2 = await postMetaWebhook(t, whatsapp);
      expect(res2.status).toBe(200);
      expect(res2.body).toEqual({ received: true, stored: 1 });
      const res3 = await postMetaWebhook(
        t,
        whatsappWebhook(wa.wabaId, wa.phoneNumberId, {
          messages: [{ from: '4915550002', id: `wamid.${randomUUID()}`, type: 'text', text: { body: 'hi' } }],
          contacts: 'nobody' as never,
          statuses: 'none' as never,
        }),
      );
      expect(res3.body).toEqual({ received: true, stored: 1 });

      const parkedOf = async (channelId: string) =>
        (await eventsOf(owner, channelId)).filter((e) => e.state === 'failed').map((e) => [e.last_error, e.parked_at !== null]);
      expect(await parkedOf(a.channelId)).toEqual([['MALFORMED_PAYLOAD: entry.messaging is not a list', true]]);
      expect(await parkedOf(b.channelId)).toEqual([['MALFORMED_PAYLOAD: a messaging item is not an object', true]]);
      expect((await parkedOf(wa.channelId)).sort()).toEqual([
        ['MALFORMED_PAYLOAD: value.messages is not a list', true],
        ['MALFORMED_PAYLOAD: value.statuses is not a list', true],
      ]);
      // Redelivered, nothing doubles.
      expect((await postMetaWebhook(t, messenger)).body).toEqual({ received: true, stored: 0 });
      expect(await parkedOf(a.channelId)).toHaveLength(1);

      // Parked events are where an admin looks for failures, and they stay out of the queue.
      const failed = await t.request('GET', '/api/admin/inbound-events?state=failed', { token: owner.token });
      expect(failed.body.items).toHaveLength(4);
      expect(failed.body.items.every((e: { lastError: string }) => e.lastError.startsWith('MALFORMED_PAYLOAD: '))).toBe(true);
      const pending = await t.request('GET', '/api/admin/inbound-events?state=pending', { token: owner.token });
      expect(pending.body.items).toHaveLength(5);
      await t.drainInbound();
      const conversations = await t.request('GET', '/api/conversations', { token: owner.token });
      expect(conversations.body.items.length).toBeGreaterThanOrEqual(3);
    });
  });

  it('whatever the shape of a signed Meta body, the answer is 200 or a 4xx, and processing what was stored fails nothing else', async () => {
    const owner = await t.signup();
    const page = await connectMessenger(owner);
    const wa = await connectWhatsApp(owner);
    const P = JSON.stringify(page.pageId);
    const W = JSON.stringify(wa.phoneNumberId);
    const bodies = [
      'null',
      '[]',
      '"page"',
      '42',
      '{}',
      '{"object":"page"}',
      '{"object":"page","entry":null}',
      '{"object":"page","entry":{}}',
      `{"object":"page","entry":[{"id":${P},"messaging":[[],[[]],{},{"message":null},{"message":"x"},{"sender":"x","message":{"mid":[],"text":{}}},{"delivery":{"mids":{}}}]}]}`,
      `{"object":"page","entry":[{"id":${P},"messaging":[{"sender":{"id":"psid-1"},"timestamp":"yesterday","message":{"mid":"m-odd-1","text":123,"attachments":{"type":"image"}}}]}]}`,
      `{"object":"instagram","entry":[{"id":${P},"messaging":7}]}`,
      `{"object":"whatsapp_business_account","entry":[{"changes":[null,1,{"field":"messages","value":null},{"field":"messages","value":{"metadata":null}}]}]}`,
      `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":${W}},"contacts":[null,{"wa_id":{}}],"messages":[null,1,"x",[],{"from":{},"id":"wamid.odd","type":"text","text":"not an object"}],"statuses":{}}}]}]}`,
    ];
    for (const body of bodies) {
      const res = await postMetaWebhook(t, body);
      expect({ body, status: res.status < 500 }).toEqual({ body, status: true });
    }
    await t.drainInbound();
    // The inbox still takes a plain message afterwards.
    expect((await postMetaWebhook(t, messengerMessage(page.pageId, 'psid-after', 'after the storm'))).body).toEqual({ received: true, stored: 1 });
  });

  describe('lone surrogates', () => {
    it('are refused in API input with 400 VALIDATION_FAILED naming the field, before any validator can throw on them', async () => {
      const owner = await t.signup();
      const signup = (email: string, organizationName = 'Acme') =>
        t.request('POST', '/api/auth/signup', { body: withEscape({ organizationName, email, password: 'a long enough password' }) });
      for (const [escape, what] of [
        ['\\ud800', 'high'],
        ['\\udfff', 'low'],
      ]) {
        const res = await t.request('POST', '/api/auth/signup', {
          body: withEscape({ organizationName: 'Acme', email: 'aSURROGATE@example.test', password: 'a long enough password' }, escape),
        });
        expectError(res, 400, 'VALIDATION_FAILED');
        expect({ what, message: res.body.message }).toEqual({ what, message: 'email must not contain an unpaired UTF-16 surrogate' });
      }
      expectError(await signup('a@example.test', 'Acme SURROGATE'), 400, 'VALIDATION_FAILED');
      const login = await t.request('POST', '/api/auth/login', { body: withEscape({ email: `${owner.email}SURROGATE`, password: owner.password }) });
      expectError(login, 400, 'VALIDATION_FAILED');
      expect(login.body.message).toBe('email must not contain an unpaired UTF-16 surrogate');
      const user = await t.request('POST', '/api/users', {
        token: owner.token,
        body: withEscape({ email: 'SURROGATE@example.test', password: 'another long password', role: 'agent' }),
      });
      expectError(user, 400, 'VALIDATION_FAILED');

      // In a free-form object, in a key or a value, however deep.
      const inKey = await t.request('POST', '/api/channels', {
        token: owner.token,
        body: withEscape({ kind: 'webchat', name: 'chat', config: { allowedOrigins: ['https://shop.example'], xSURROGATE: 1 }, credentials: {} }),
      });
      expectError(inKey, 400, 'VALIDATION_FAILED');
      expect(inKey.body.message).toBe('the name of config.x\uFFFD must not contain an unpaired UTF-16 surrogate');
      const inList = await t.request('POST', '/api/channels', {
        token: owner.token,
        body: withEscape({ kind: 'webchat', name: 'chat', config: { allowedOrigins: ['https://shop.example', 'SURROGATE'] }, credentials: {} }),
      });
      expect(inList.body.message).toBe('config.allowedOrigins[1] must not contain an unpaired UTF-16 surrogate');
      expect((await t.request('GET', '/api/channels', { token: owner.token })).body.items).toEqual([]);
    });

    it('paired surrogates (emoji) written as escapes are text like any other', async () => {
      const owner = await t.signup();
      const webchat = await connect(owner, { kind: 'webchat', name: 'Site chat', config: { allowedOrigins: ['https://shop.example'] }, credentials: {} });
      const send = await newVisitor(webchat.config.channelKey);
      const res = await send(withEscape({ clientMessageId: 'emoji-message-1', text: 'thanks SURROGATE' }, '\\ud83d\\ude00'));
      expect(res.status).toBe(202);
      await t.drainInbound();
      const [conversation] = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items;
      const messages = await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token });
      expect(messages.body.items[0].text).toBe('thanks 😀');
    });

    it('are stored as U+FFFD from a signed webhook, in values, keys and dedupe keys; the message arrives', async () => {
      const owner = await t.signup();
      const page = await connectMessenger(owner);
      const mid = `m-${randomUUID()}`;
      const body = messengerMessage(page.pageId, 'psid-surrogate', 'x SURROGATE y', `${mid}SURROGATE`) as {
        entry: Array<{ messaging: Array<Record<string, unknown>> }>;
      };
      body.entry[0].messaging[0].extra = { keySURROGATE: 'SURROGATE', nul: '\u0000' };
      const res = await postMetaWebhook(t, withEscape(body, '\\udc00'));
      expect(res.body).toEqual({ received: true, stored: 1 });
      const [event] = await eventsOf(owner, page.channelId);
      expect(event.dedupe_key).toBe(`mid:${mid}\uFFFD`);
      expect(event.payload.item.message.text).toBe('x \uFFFD y');
      expect(event.payload.item.extra).toEqual({ 'key\uFFFD': '\uFFFD', nul: '\uFFFD' });

      await t.drainInbound();
      const [conversation] = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items;
      const messages = await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token });
      expect(messages.body.items.map((m: { text: string }) => m.text)).toEqual(['x \uFFFD y']);
      // Redelivered: the same dedupe key, so stored once.
      expect((await postMetaWebhook(t, withEscape(body, '\\udc00'))).body).toEqual({ received: true, stored: 0 });
    });
  });

  describe('JSON depth', () => {
    it('5,000-deep JSON on login and signup answers 400 JSON_TOO_DEEP', async () => {
      for (const [url, body] of [
        ['/api/auth/login', nested(5000)],
        ['/api/auth/login', `{"email":${nested(5000)},"password":"x"}`],
        ['/api/auth/signup', `{"organizationName":"Acme","email":"a@example.test","password":${nested(5000)}}`],
        ['/api/auth/signup', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)],
      ]) {
        const res = await t.request('POST', url, { body });
        expectError(res, 400, 'JSON_TOO_DEEP');
      }
    });

    it('the API bound is 64 levels; brackets inside strings do not count', async () => {
      const at = (depth: number) => `{"email":${nested(depth - 1)},"password":"x"}`;
      expectError(await t.request('POST', '/api/auth/login', { body: at(64) }), 400, 'VALIDATION_FAILED');
      expectError(await t.request('POST', '/api/auth/login', { body: at(65) }), 400, 'JSON_TOO_DEEP');
      const owner = await t.signup();
      const login = await t.request('POST', '/api/auth/login', {
        body: JSON.stringify({ email: owner.email, password: owner.password }).replace('}', `,"x":"${'[{'.repeat(100)}\\"${'['.repeat(100)}"}`),
      });
      // Refused for the unknown field, not for depth.
      expectError(login, 400, 'VALIDATION_FAILED');
    });

    it('a 20,000-deep signed webhook answers 400 JSON_TOO_DEEP and stores nothing; 128 levels are still taken', async () => {
      const owner = await t.signup();
      const page = await connectMessenger(owner);
      const deep = messengerMessage(page.pageId, 'psid-deep', 'deep') as { entry: Array<{ messaging: Array<{ message: Record<string, unknown> }> }> };
      const raw = JSON.stringify(deep).replace('"text":"deep"', `"text":"deep","extra":${nested(20000)}`);
      expectError(await postMetaWebhook(t, raw), 400, 'JSON_TOO_DEEP');
      expectError(await postMetaWebhook(t, `{"object":"page","entry":${nested(20000)}}`), 400, 'JSON_TOO_DEEP');
      expect(await eventsOf(owner, page.channelId)).toEqual([]);

      // body > entry[] > entry > messaging[] > item > message: 6 levels, then `extra` nests 122 more.
      const ok = JSON.stringify(deep).replace('"text":"deep"', `"text":"deep","extra":${nested(122)}`);
      expect((await postMetaWebhook(t, ok)).body).toEqual({ received: true, stored: 1 });
      expectError(
        await postMetaWebhook(t, JSON.stringify(messengerMessage(page.pageId, 'p', 'x')).replace('"text":"x"', `"text":"x","extra":${nested(123)}`)),
        400,
        'JSON_TOO_DEEP',
      );
      await t.drainInbound();
      expect((await t.request('GET', '/api/conversations', { token: owner.token })).body.items).toHaveLength(1);
    });

    it('the raw body still reaches the signature check: a bad signature is refused, a good one accepted', async () => {
      const owner = await t.signup();
      const page = await connectMessenger(owner);
      const body = JSON.stringify(messengerMessage(page.pageId, 'psid-raw', 'raw bytes'));
      expectError(await postMetaWebhook(t, body, { signature: 'sha256=' + '0'.repeat(64) }), 403, 'INVALID_SIGNATURE');
      // Whitespace is part of what was signed: the check must see the bytes, not a re-serialization.
      expect((await postMetaWebhook(t, body.replace('{', '{ \n'))).body).toEqual({ received: true, stored: 1 });
    });
  });
});
