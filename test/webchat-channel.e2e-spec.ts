import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { identityHash } from '../src/channels/webchat/webchat-identity';
import { WIDGET_JS } from '../src/channels/webchat/widget/widget-script';
import { SseFrame, SseReader } from './support/sse-reader';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const SHOP = 'https://shop.example';

/** A Customer embeds the chat on their site; a visitor and an agent talk, end to end over HTTP. */
describe('Web chat channel', () => {
  let t: TestApp;
  let base: string;
  let owner: TestTenant;
  let db: Client;
  let dataDir: string;
  let channel: { id: string; key: string; identitySecret: string };
  let ipCounter = 0;

  /** Each visitor comes from an address of its own (the app trusts X-Forwarded-For from its proxy, here on loopback). */
  const newIp = () => `198.51.100.${++ipCounter}`;

  async function http(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(base + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, body };
  }

  async function connectWebchat(tenant: TestTenant, allowedOrigins: string[] = [SHOP], credentials: Record<string, string> = {}) {
    const res = await t.request('POST', '/api/channels', {
      token: tenant.token,
      body: { kind: 'webchat', name: 'Website chat', config: { allowedOrigins }, credentials },
    });
    expect(res.status).toBe(201);
    return res;
  }

  /** A visitor's browser on `origin`. */
  function visitor(key: string, opts: { origin?: string | null; ip?: string } = {}) {
    const ip = opts.ip ?? newIp();
    const origin = opts.origin === undefined ? SHOP : opts.origin;
    const headers = (token?: string): Record<string, string> => ({
      'x-forwarded-for': ip,
      ...(origin ? { origin } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    });
    const session = { token: '' };
    return {
      get token() {
        return session.token;
      },
      start: async (body: Record<string, unknown> = {}) => {
        const res = await http('POST', `/webchat/${key}/sessions`, { body, headers: headers() });
        if (res.status === 201) session.token = res.body.token;
        return res;
      },
      send: (text: string, clientMessageId: string = randomUUID()) =>
        http('POST', `/webchat/${key}/messages`, { body: { clientMessageId, text }, headers: headers(session.token) }),
      list: (token: string = session.token) => http('GET', `/webchat/${key}/messages`, { headers: headers(token) }),
      stream: (token: string = session.token) => SseReader.open(`${base}/webchat/${key}/stream?session=${encodeURIComponent(token)}`, headers()),
    };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mm-webchat-'));
    t = await TestApp.start({ DATA_DIR: dataDir, TRUST_PROXY: 'loopback' });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    owner = await t.signup();
    const res = await connectWebchat(owner, [SHOP, 'http://localhost:8080/']);
    channel = { id: res.body.id, key: res.body.config.channelKey, identitySecret: res.body.identitySecret };
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('connecting', () => {
    it('makes a public key and shows the identity secret once, stored encrypted', async () => {
      expect(channel.key).toMatch(/^wc_[A-Za-z0-9_-]{32}$/);
      expect(channel.identitySecret).toMatch(/^[0-9a-f]{64}$/);
      const one = await t.request('GET', `/api/channels/${channel.id}`, { token: owner.token });
      expect(one.body).toMatchObject({
        kind: 'webchat',
        status: 'active',
        config: { allowedOrigins: [SHOP, 'http://localhost:8080'], channelKey: channel.key },
      });
      const list = await t.request('GET', '/api/channels', { token: owner.token });
      expect(JSON.stringify([one.body, list.body])).not.toContain(channel.identitySecret);
      expect(Object.keys(one.body)).not.toContain('identitySecret');
      const stored = await db.query(`select credentials, routing_key from channels where tenant_id = $1 and id = $2`, [owner.tenantId, channel.id]);
      expect(stored.rows[0].routing_key).toBe(channel.key);
      expect(stored.rows[0].credentials).not.toContain(channel.identitySecret);
    });

    it('keeps a secret the Customer brings, and never echoes it', async () => {
      const mine = 'my-own-identity-secret-0123456789abcdef';
      const res = await connectWebchat(owner, [SHOP], { identitySecret: mine });
      expect(JSON.stringify(res.body)).not.toContain(mine);
      const key = res.body.config.channelKey;
      const v = visitor(key);
      expect((await v.start({ userId: 'u1', userHash: identityHash(mine, 'u1') })).status).toBe(201);
    });

    it('refuses origins that are not origins, and fields that do not exist', async () => {
      for (const config of [
        { allowedOrigins: [] },
        { allowedOrigins: ['https://*.example.com'] },
        { allowedOrigins: ['https://shop.example/path'] },
        { allowedOrigins: ['javascript:alert(1)'] },
        { allowedOrigins: [SHOP], channelKey: 'wc_mine' },
      ]) {
        const res = await t.request('POST', '/api/channels', { token: owner.token, body: { kind: 'webchat', name: 'x', config, credentials: {} } });
        expect({ config, status: res.status, code: res.body.code }).toEqual({ config, status: 400, code: 'VALIDATION_FAILED' });
      }
    });
  });

  describe('a visitor and an agent', () => {
    it("chat end to end: durable inbox, the agent API, and the reply on the visitor's live stream", async () => {
      const v = visitor(channel.key);
      const started = await v.start({ name: 'Ada' });
      expect(started.status).toBe(201);
      expect(started.headers.get('access-control-allow-origin')).toBe(SHOP);
      expect(started.body).toMatchObject({ token: expect.any(String), sessionId: expect.any(String), verified: false });

      const stream = await v.stream();
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers.get('access-control-allow-origin')).toBe(SHOP);

      const clientMessageId = randomUUID();
      const sent = await v.send('Is my order #1234 on its way?', clientMessageId);
      expect(sent.status).toBe(202);
      expect(sent.body).toEqual({ clientMessageId, status: 'accepted' });
      expect((await v.send('Is my order #1234 on its way?', clientMessageId)).body.status).toBe('duplicate');
      const stored = await db.query(`select payload from inbound_events where tenant_id = $1 and channel_id = $2 and payload->>'clientMessageId' = $3`, [
        owner.tenantId,
        channel.id,
        clientMessageId,
      ]);
      expect(stored.rows).toHaveLength(1);

      expect(await t.drainInbound()).toBe(1);
      const own = await stream.next((f: SseFrame) => f.event === 'message');
      expect(own.data).toMatchObject({ from: 'visitor', text: 'Is my order #1234 on its way?', clientMessageId });
      expect(own.id).toBe(own.data.id);

      const conversations = await t.request('GET', `/api/conversations?channelId=${channel.id}`, { token: owner.token });
      expect(conversations.body.items).toHaveLength(1);
      const conversation = conversations.body.items[0];
      const contact = await t.request('GET', `/api/contacts/${conversation.contactId}`, { token: owner.token });
      expect(contact.body).toMatchObject({
        displayName: 'Ada',
        identities: [{ channelId: channel.id, channelKind: 'webchat', externalId: expect.stringMatching(/^anon:/) }],
      });
      const inbox = await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token });
      expect(inbox.body.items).toMatchObject([{ direction: 'inbound', text: 'Is my order #1234 on its way?' }]);

      const reply = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { text: 'Yes! It arrives tomorrow 🚚' },
      });
      expect(reply.status).toBe(202);
      // Queued is not delivered: the visitor sees a reply only once it is sent.
      expect((await v.list()).body.items.map((m: { from: string }) => m.from)).toEqual(['visitor']);
      expect(await t.drainOutbound()).toBe(1);

      const answer = await stream.next((f: SseFrame) => f.event === 'message' && f.data.from === 'agent');
      expect(answer.data).toEqual({
        id: reply.body.id,
        clientMessageId: null,
        from: 'agent',
        text: 'Yes! It arrives tomorrow 🚚',
        attachments: [],
        sentAt: expect.any(String),
        survey: null,
      });
      const after = await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token });
      expect(after.body.items[0]).toMatchObject({ id: reply.body.id, status: 'sent', externalId: reply.body.id });

      const history = await v.list();
      expect(history.status).toBe(200);
      expect(history.body.items.map((m: { from: string; text: string }) => [m.from, m.text])).toEqual([
        ['agent', 'Yes! It arrives tomorrow 🚚'],
        ['visitor', 'Is my order #1234 on its way?'],
      ]);
      // A whitelist: nothing about agents, errors or the platform.
      expect(Object.keys(history.body.items[0]).sort()).toEqual(['attachments', 'clientMessageId', 'from', 'id', 'sentAt', 'survey', 'text']);
      stream.close();
    });

    it('never shows a visitor notes or a failed reply', async () => {
      const v = visitor(channel.key);
      await v.start();
      await v.send('hello');
      await t.drainInbound();
      const [conv] = (
        await db.query(
          `select c.id from conversations c join contact_identities i on i.tenant_id = c.tenant_id and i.contact_id = c.contact_id where i.tenant_id = $1 and i.external_id = (select visitor_id from webchat_sessions where tenant_id = $1 and id = $2)`,
          [owner.tenantId, v.token.split('.')[0]],
        )
      ).rows;
      await t.request('POST', `/api/conversations/${conv.id}/notes`, { token: owner.token, body: { text: 'internal: VIP customer' } });
      await t.request('POST', `/api/conversations/${conv.id}/messages`, { token: owner.token, body: { text: 'never delivered' } });
      await db.query(`update messages set status = 'failed' where tenant_id = $1 and conversation_id = $2 and direction = 'outbound'`, [
        owner.tenantId,
        conv.id,
      ]);
      const seen = JSON.stringify((await v.list()).body);
      expect(seen).not.toContain('VIP');
      expect(seen).not.toContain('never delivered');
    });
  });

  describe('origins (CORS)', () => {
    it('answers a preflight from an allowed site, reflecting only that origin', async () => {
      const ok = await http('OPTIONS', `/webchat/${channel.key}/messages`, {
        headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
      });
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP);
      expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
      expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(ok.headers.get('vary')).toContain('Origin');
    });

    it('refuses a site that is not allowed, without a CORS header', async () => {
      const preflight = await http('OPTIONS', `/webchat/${channel.key}/sessions`, {
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(403);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const evil = visitor(channel.key, { origin: 'https://evil.example' });
      const res = await evil.start();
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ORIGIN_NOT_ALLOWED');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      // A lookalike (another scheme or port) is another origin.
      expect((await visitor(channel.key, { origin: 'http://shop.example' }).start()).status).toBe(403);
      expect((await visitor(channel.key, { origin: 'https://shop.example:8443' }).start()).status).toBe(403);
    });

    it('lets a request without Origin through (servers and curl: the session token protects the data)', async () => {
      const v = visitor(channel.key, { origin: null });
      const res = await v.start();
      expect(res.status).toBe(201);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('identity verification', () => {
    it("refuses a wrong or missing HMAC, and resumes the user's history with the right one", async () => {
      const userId = `customer-${randomUUID()}`;
      const right = identityHash(channel.identitySecret, userId);
      const wrong = identityHash('some-other-secret-entirely-0000000000', userId);
      for (const body of [
        { userId, userHash: wrong },
        { userId },
        { userId, userHash: right.replace(/^./, (c) => (c === '0' ? '1' : '0')) },
        { userId: `${userId}x`, userHash: right },
      ]) {
        const res = await visitor(channel.key).start(body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 403, code: 'IDENTITY_VERIFICATION_FAILED' });
      }

      const laptop = visitor(channel.key);
      expect((await laptop.start({ userId, userHash: right })).body.verified).toBe(true);
      await laptop.send('I wrote this on my laptop');
      await t.drainInbound();

      const phone = visitor(channel.key);
      expect((await phone.start({ userId, userHash: right.toUpperCase() })).status).toBe(201);
      expect(phone.token).not.toBe(laptop.token);
      expect((await phone.list()).body.items).toMatchObject([{ from: 'visitor', text: 'I wrote this on my laptop' }]);

      const stranger = visitor(channel.key);
      await stranger.start();
      expect((await stranger.list()).body.items).toEqual([]);
      const contacts = await db.query(`select external_id from contact_identities where tenant_id = $1 and external_id = $2`, [
        owner.tenantId,
        `user:${userId}`,
      ]);
      expect(contacts.rows).toHaveLength(1);
    });
  });

  describe('isolation between visitors', () => {
    it("keeps another visitor's session, messages and stream out of reach", async () => {
      const alice = visitor(channel.key);
      const bob = visitor(channel.key);
      await alice.start();
      await bob.start();
      const bobStream = await bob.stream();
      const aliceStream = await alice.stream();
      await alice.send('alice secret: my address is 1 Main St');
      await t.drainInbound();
      const [aliceConv] = (await db.query(`select conversation_id from messages where tenant_id = $1 and text like 'alice secret%'`, [owner.tenantId])).rows;
      await t.request('POST', `/api/conversations/${aliceConv.conversation_id}/messages`, { token: owner.token, body: { text: 'for alice only' } });
      await t.drainOutbound();
      // Alice's own stream has both by now, so Bob's would have too if it leaked.
      await aliceStream.next((f: SseFrame) => f.data.text === 'for alice only');
      expect(await bobStream.pending()).toEqual([]);
      aliceStream.close();
      expect((await bob.list()).body.items).toEqual([]);

      const [aliceId] = alice.token.split('.');
      const [, bobSecret] = bob.token.split('.');
      const forged = `${aliceId}.${bobSecret}`;
      for (const token of [forged, `${aliceId}.${'A'.repeat(43)}`, 'garbage', '']) {
        const res = await bob.list(token);
        expect({ token, status: res.status, code: res.body.code }).toEqual({ token, status: 404, code: 'SESSION_NOT_FOUND' });
      }
      const stream = await bob.stream(forged);
      expect(stream.status).toBe(404);
      // A session belongs to its channel: the same token on another channel of the tenant is unknown there.
      const other = await connectWebchat(owner);
      expect((await visitor(other.body.config.channelKey).list(alice.token)).status).toBe(404);
      bobStream.close();
    });

    it('answers an unknown or disconnected channel with 404 and ends its streams', async () => {
      const unknown = visitor(`wc_${'x'.repeat(32)}`, { origin: null });
      expect((await unknown.start()).status).toBe(404);
      const doomed = await connectWebchat(owner);
      const v = visitor(doomed.body.config.channelKey);
      await v.start();
      const stream = await v.stream();
      expect((await t.request('DELETE', `/api/channels/${doomed.body.id}`, { token: owner.token })).status).toBe(200);
      await expect(stream.next(() => false, 2000)).rejects.toThrow('stream ended');
      expect((await v.list()).status).toBe(404);
      expect((await v.start()).status).toBe(404);
    });
  });

  describe('privacy', () => {
    it('erasing a contact ends their chat sessions too, with the raw payloads', async () => {
      const userId = `erase-me-${randomUUID()}`;
      const v = visitor(channel.key);
      await v.start({ userId, userHash: identityHash(channel.identitySecret, userId), name: 'Eve' });
      await v.send('please forget me');
      await t.drainInbound();
      const [identity] = (
        await db.query(`select contact_id from contact_identities where tenant_id = $1 and external_id = $2`, [owner.tenantId, `user:${userId}`])
      ).rows;
      const erased = await t.request('DELETE', `/api/contacts/${identity.contact_id}`, { token: owner.token });
      expect(erased.status).toBe(200);
      expect((await v.list()).status).toBe(404);
      const left = await db.query(
        `select (select count(*) from webchat_sessions where tenant_id = $1 and visitor_id = $2)::int as sessions,
                (select count(*) from inbound_events where tenant_id = $1 and payload->>'visitorId' = $2)::int as events`,
        [owner.tenantId, `user:${userId}`],
      );
      expect(left.rows[0]).toEqual({ sessions: 0, events: 0 });
    });
  });

  describe('limits', () => {
    it('limits the body size and type', async () => {
      const v = visitor(channel.key);
      await v.start();
      const big = await http('POST', `/webchat/${channel.key}/messages`, {
        body: { clientMessageId: randomUUID(), text: 'x'.repeat(20_000) },
        headers: { authorization: `Bearer ${v.token}`, origin: SHOP },
      });
      expect(big.status).toBe(413);
      expect(big.headers.get('access-control-allow-origin')).toBe(SHOP); // the widget can read why
      const plain = await http('POST', `/webchat/${channel.key}/messages`, {
        body: 'hello',
        headers: { authorization: `Bearer ${v.token}`, 'content-type': 'text/plain' },
      });
      expect(plain.status).toBe(415);
      const long = await v.send('y'.repeat(4001));
      expect(long.status).toBe(400);
    });

    it('rate-limits messages per session and new sessions per address', async () => {
      const v = visitor(channel.key);
      await v.start();
      // A burst of 10, then one every 2 s: 15 at once cannot all pass (unless they took 10 s to arrive).
      const burst = await Promise.all(Array.from({ length: 15 }, (_, i) => v.send(`message ${i}`)));
      const accepted = burst.filter((r) => r.status === 202);
      const limited = burst.filter((r) => r.status === 429);
      expect(accepted.length + limited.length).toBe(15);
      expect(accepted.length).toBeGreaterThanOrEqual(10);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      expect(limited[0].body.code).toBe('RATE_LIMITED');
      expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited[0].headers.get('access-control-allow-origin')).toBe(SHOP);

      const ip = newIp();
      const starts: number[] = [];
      for (let i = 0; i < 11; i++) starts.push((await visitor(channel.key, { ip }).start()).status);
      expect(starts.slice(0, 10)).toEqual(Array(10).fill(201));
      expect(starts[10]).toBe(429);
    });
  });

  describe('widget.js and /widget-demo', () => {
    it('serves a dependency-free script that parses', async () => {
      const res = await http('GET', '/widget.js');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
      expect(res.body).toBe(WIDGET_JS);
      expect(() => new Function(res.body)).not.toThrow();
      expect(res.body).not.toMatch(/\binnerHTML\b|\bimport\b|\brequire\(/);
    });

    it('shows the widget of any channel by key, and nothing of the channel', async () => {
      const res = await http('GET', `/widget-demo?key=${channel.key}`);
      expect(res.status).toBe(200);
      expect(res.body).toContain(`data-channel="${channel.key}"`);
      expect(res.body).not.toContain('mm-demo-config');
      expect((await http('GET', '/widget-demo?key=%22%3E%3Cscript%3E')).body).not.toContain('"><script>');
    });

    it('creates the local demo organization once, for a browser on this machine only', async () => {
      // inject() comes from the loopback address, like a browser on the developer's machine.
      const first = await t.request('GET', '/widget-demo');
      expect(first.status).toBe(200);
      const key = /data-channel="(wc_[A-Za-z0-9_-]{32})"/.exec(first.body)![1];
      const config = JSON.parse(/<script type="application\/json" id="mm-demo-config">(.*?)<\/script>/.exec(first.body)![1]);
      expect(config).toMatchObject({ accessToken: expect.any(String), channelId: expect.any(String) });
      const again = await t.request('GET', '/widget-demo');
      expect(again.body).toContain(`data-channel="${key}"`);

      // The demo channel works from the app's own origin, and its token is the demo tenant's only.
      const v = visitor(key, { origin: t.config.publicBaseUrl });
      expect((await v.start()).status).toBe(201);
      const mine = await t.request('GET', '/api/channels', { token: config.accessToken });
      expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([config.channelId]);
      expect((await t.request('GET', `/api/channels/${channel.id}`, { token: config.accessToken })).status).toBe(404);

      // Through a proxy (or from another machine) there is no demo organization to be had.
      const proxied = await t.request('GET', '/widget-demo', { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(proxied.status).toBe(200);
      expect(proxied.body).not.toContain('mm-demo-config');
      expect(proxied.body).not.toContain(key);
    });
  });
});
