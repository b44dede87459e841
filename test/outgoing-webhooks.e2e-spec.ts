import * as crypto from 'node:crypto';
import { randomBytes, randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { Client } from 'pg';
import { KeyRing, SecretBox } from '../libs/crypto/src';
import { DomainEvents } from '../src/common/domain-events.service';
import { RegionDatabases } from '../src/database/region-databases';
import { IntegrationDispatcher } from '../src/integrations/core/integration-dispatcher.service';
import { MAX_WEBHOOK_ATTEMPTS, WebhookDeliveryWorker } from '../src/integrations/webhook/webhook-delivery.worker';
import { IntegrationSecrets } from '../src/integrations/core/integration-secrets.service';
import { webhookSecretContext } from '../src/integrations/webhook/webhook-subscription.store';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { signupWithPage, startWithFakeGraph } from './support/channels';
import { allTables, rowsMentioning } from './support/db-catalog';
import { META_APP_SECRET, META_VERIFY_TOKEN, messengerMessage, postMetaWebhook } from './support/meta';
import { schemaViolation } from './support/api-contract';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

/** A local automation tool: records every POST with its raw bytes; answers what each path is told to. */
class Receiver {
  readonly received: Received[] = [];
  /** Bodies that are not a WebhookEvent as openapi.json documents it. */
  readonly violations: string[] = [];
  private readonly answers = new Map<string, number[]>();
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const body = JSON.parse(raw);
      const violation = schemaViolation('WebhookEvent', body);
      if (violation) this.violations.push(violation);
      this.received.push({ path, headers: req.headers, raw, body });
      const script = this.answers.get(path) ?? [];
      const status = script.length > 1 ? script.shift()! : (script[0] ?? 204);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? '' : 'receiver error');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }

  /** A fresh path; `statuses` are answered in turn, the last one forever (default 204). */
  endpoint(...statuses: number[]): string {
    const path = `/hooks/${randomUUID()}`;
    this.answers.set(path, statuses);
    return `${this.url}${path}`;
  }

  at(url: string): Received[] {
    return this.received.filter((r) => `${this.url}${r.path}` === url);
  }
}

/** The README's verification snippet, verbatim: the receiver's side, written from the documentation, not from our signer. */
function verify(secret: string, header: string, rawBody: Buffer | string /* Buffer or string, as received */) {
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = crypto.createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(t)) <= 300;
  return fresh && parts.some(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v) && crypto.timingSafeEqual(Buffer.from(v, 'hex'), expected));
}
const verifyDocumented = (secret: string, header: string | undefined, rawBody: string) => header !== undefined && verify(secret, header, rawBody);

describe('Outgoing webhooks', () => {
  let graph: FakeGraphServer;
  let receiver: Receiver;
  let t: TestApp;
  let db: Client;

  const drainWebhooks = () => t.app.get(WebhookDeliveryWorker).drain();

  const tenantWithPage = () => signupWithPage(t, graph);

  async function subscribe(owner: TestTenant, body: Record<string, unknown>) {
    const res = await t.request('POST', '/api/webhook-subscriptions', {
      token: owner.token,
      body: { events: ['message.created'], purpose: 'service_delivery', ...body },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; url: string };
  }

  const deliveries = async (owner: TestTenant, subscriptionId: string) => {
    const res = await t.request('GET', `/api/webhook-subscriptions/${subscriptionId}/deliveries`, { token: owner.token });
    expect(res.status).toBe(200);
    return res.body.items as Array<Record<string, any>>;
  };

  /** Lets time pass for the queue: retries that wait for their backoff are due now. */
  const makeRetriesDue = (tenantId: string) => db.query(`update queue.jobs set available_at = now() where kind = 'webhook' and tenant_id = $1`, [tenantId]);

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN, WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on' }));
    receiver = await new Receiver().start();
    db = await ownerClient('eu');
  });
  // Every body any test received is a WebhookEvent as openapi.json documents it.
  afterEach(() => expect(receiver.violations.splice(0)).toEqual([]));
  afterAll(async () => {
    await db.end();
    await t.close();
    await receiver.stop();
    await graph.stop();
  });

  describe('subscriptions', () => {
    it('shows the signing secret once, never again, and stores it only encrypted', async () => {
      const { owner } = await tenantWithPage();
      const created = await subscribe(owner, { url: receiver.endpoint(), events: ['message.created', 'message.status'] });
      expect(created).toEqual({
        id: expect.any(String),
        url: expect.stringContaining('/hooks/'),
        events: ['message.created', 'message.status'],
        purpose: 'service_delivery',
        createdBy: owner.userId,
        createdAt: expect.any(String),
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
      });

      const list = await t.request('GET', '/api/webhook-subscriptions', { token: owner.token });
      const one = await t.request('GET', `/api/webhook-subscriptions/${created.id}`, { token: owner.token });
      const log = await t.request('GET', `/api/webhook-subscriptions/${created.id}/deliveries`, { token: owner.token });
      expect(list.body.items).toEqual([{ ...created, secret: undefined }].map(({ secret, ...rest }) => rest));
      expect(Object.keys(one.body)).not.toContain('secret');
      expect(JSON.stringify([list.body, one.body, log.body])).not.toContain(created.secret);

      for (const table of await allTables(db)) expect({ table, n: await rowsMentioning(db, table, created.secret) }).toEqual({ table, n: 0 });
      const { rows } = await db.query(`select secret from webhook_subscriptions where tenant_id = $1 and id = $2`, [owner.tenantId, created.id]);
      expect(rows[0].secret).toMatch(/^v1\./);
      // Bound to its row: it opens with its own context only.
      const box = new SecretBox(KeyRing.parse(t.config.masterKeys));
      expect(box.decryptString(rows[0].secret, webhookSecretContext(owner.tenantId, created.id))).toBe(created.secret);
      expect(() => box.decryptString(rows[0].secret, webhookSecretContext(owner.tenantId, randomUUID()))).toThrow();
    });

    it.each([
      ['plain http to a public host', { url: 'http://hooks.example.com/x' }, 400, 'INVALID_WEBHOOK_URL'],
      ['credentials in the URL', { url: 'https://user:pw@hooks.example.com/x' }, 400, 'INVALID_WEBHOOK_URL'],
      ['an unknown event', { url: 'https://hooks.example.com/x', events: ['message.deleted'] }, 400, 'VALIDATION_FAILED'],
      ['no events', { url: 'https://hooks.example.com/x', events: [] }, 400, 'VALIDATION_FAILED'],
      ['an unknown purpose', { url: 'https://hooks.example.com/x', purpose: 'fun' }, 400, 'VALIDATION_FAILED'],
      ['a smuggled secret', { url: 'https://hooks.example.com/x', secret: 'mine' }, 400, 'VALIDATION_FAILED'],
    ])('refuses %s', async (_, body, status, code) => {
      const owner = await t.signup();
      const res = await t.request('POST', '/api/webhook-subscriptions', {
        token: owner.token,
        body: { events: ['message.created'], purpose: 'service_delivery', ...body },
      });
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
    });

    it.each(['sale', 'data_brokerage', 'surveillance'])('refuses a subscription for %s, and audits the refusal', async (purpose) => {
      const owner = await t.signup();
      const res = await t.request('POST', '/api/webhook-subscriptions', {
        token: owner.token,
        body: { url: 'https://hooks.example.com/x', events: ['message.created'], purpose },
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('PURPOSE_NOT_PERMITTED');
      const { rows } = await db.query(`select actor, action, decision, reason from audit_log where tenant_id = $1`, [owner.tenantId]);
      expect(rows).toEqual([
        { actor: `user:${owner.userId}`, action: 'webhook_subscription.create', decision: 'deny', reason: expect.stringContaining(purpose) },
      ]);
      expect((await t.request('GET', '/api/webhook-subscriptions', { token: owner.token })).body.items).toEqual([]);
    });

    it('documents the API and the signature scheme in OpenAPI', async () => {
      const doc = (await t.request('GET', '/docs-json')).body;
      const paths = doc.paths as Record<string, Record<string, { description?: string }>>;
      expect(Object.keys(paths['/api/webhook-subscriptions']).sort()).toEqual(['get', 'post']);
      expect(Object.keys(paths['/api/webhook-subscriptions/{id}']).sort()).toEqual(['delete', 'get']);
      expect(paths['/api/webhook-subscriptions/{id}/deliveries'].get).toBeDefined();
      expect(paths['/api/webhook-subscriptions'].post.description).toContain(
        'X-MonkeyMachine-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>',
      );
      expect(doc.components.schemas.CreateWebhookSubscriptionDto.properties.purpose.enum).toContain('data_brokerage');
    });

    it('is for owners and admins only', async () => {
      const owner = await t.signup();
      const agent = await t.addUser(owner, 'agent');
      const admin = await t.addUser(owner, 'admin');
      const body = { url: receiver.endpoint(), events: ['message.created'], purpose: 'service_delivery' };
      expect((await t.request('POST', '/api/webhook-subscriptions', { token: agent.token, body })).status).toBe(403);
      expect((await t.request('GET', '/api/webhook-subscriptions', { token: agent.token })).status).toBe(403);
      expect((await t.request('POST', '/api/webhook-subscriptions', { token: admin.token, body })).status).toBe(201);
      expect((await t.request('GET', '/api/webhook-subscriptions')).status).toBe(401);
    });
  });

  describe('deliveries', () => {
    it('POSTs a signed message.created with the message text after an inbound Messenger message', async () => {
      const { owner, pageId, channelId } = await tenantWithPage();
      const url = receiver.endpoint();
      const sub = await subscribe(owner, { url, events: ['message.created', 'conversation.updated'] });

      const mid = `m_${randomUUID()}`;
      expect((await postMetaWebhook(t, messengerMessage(pageId, '24000000000077', 'Is my order on its way? 📦', mid))).status).toBe(200);
      expect(await t.drainInbound()).toBe(1);
      expect(await drainWebhooks()).toBe(2);

      const got = receiver.at(url);
      expect(got.map((r) => r.body.type).sort()).toEqual(['conversation.updated', 'message.created']);
      const delivery = got.find((r) => r.body.type === 'message.created')!;
      expect(verifyDocumented(sub.secret, delivery.headers['x-monkeymachine-signature'] as string, delivery.raw)).toBe(true);
      expect(verifyDocumented(sub.secret, delivery.headers['x-monkeymachine-signature'] as string, delivery.raw.replace('order', 'ordre'))).toBe(false);
      expect(verifyDocumented(randomBytes(16).toString('hex'), delivery.headers['x-monkeymachine-signature'] as string, delivery.raw)).toBe(false);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['x-monkeymachine-event']).toBe('message.created');
      expect(delivery.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'message.created',
        createdAt: expect.any(String),
        tenantId: owner.tenantId,
        data: expect.objectContaining({
          direction: 'inbound',
          message: expect.objectContaining({ direction: 'inbound', text: 'Is my order on its way? 📦', attachments: [], sentAt: expect.any(String) }),
          conversation: expect.objectContaining({ status: 'open' }),
          contact: { id: expect.any(String), displayName: null },
          channel: { id: channelId, kind: 'messenger', name: 'Page' },
        }),
      });
      // The platform's own ids stay inside.
      expect(delivery.raw).not.toContain(mid);
      expect(delivery.raw).not.toContain('24000000000077');

      const log = await deliveries(owner, sub.id);
      expect(log).toHaveLength(2);
      const entry = log.find((d) => d.eventType === 'message.created')!;
      expect(entry).toMatchObject({
        id: delivery.headers['x-monkeymachine-delivery'],
        eventId: delivery.body.id,
        status: 'delivered',
        origin: 'meta',
        attempts: 1,
        responseCode: 204,
        lastError: null,
      });
      expect(entry.completedAt).not.toBeNull();
      expect(await drainWebhooks()).toBe(0);
    });

    it('retries a failing receiver with backoff, then marks the delivery failed', async () => {
      const { owner, pageId } = await tenantWithPage();
      const url = receiver.endpoint(500);
      const sub = await subscribe(owner, { url });
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000078', 'hello?'));
      await t.drainInbound();

      expect(await drainWebhooks()).toBe(1);
      let [entry] = await deliveries(owner, sub.id);
      expect(entry).toMatchObject({ status: 'pending', attempts: 1, responseCode: 500, lastError: 'HTTP 500' });
      expect(new Date(entry.nextAttemptAt).getTime()).toBeGreaterThan(Date.now());
      expect(await drainWebhooks()).toBe(0); // not due yet: the backoff holds it

      for (let attempt = 2; attempt <= MAX_WEBHOOK_ATTEMPTS; attempt++) {
        await makeRetriesDue(owner.tenantId);
        expect(await drainWebhooks()).toBe(1);
      }
      [entry] = await deliveries(owner, sub.id);
      expect(entry).toMatchObject({ status: 'failed', attempts: MAX_WEBHOOK_ATTEMPTS, responseCode: 500, lastError: 'HTTP 500', nextAttemptAt: null });
      const got = receiver.at(url);
      expect(got).toHaveLength(MAX_WEBHOOK_ATTEMPTS);
      // Every attempt carries the same event id (receivers deduplicate on it) and its own fresh signature.
      expect(new Set(got.map((r) => r.body.id)).size).toBe(1);
      for (const r of got) expect(verifyDocumented(sub.secret, r.headers['x-monkeymachine-signature'] as string, r.raw)).toBe(true);
      await makeRetriesDue(owner.tenantId);
      expect(await drainWebhooks()).toBe(0);
      expect((await db.query(`select count(*)::int as n from queue.jobs where kind = 'webhook' and tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
    });

    it('delivers once the receiver recovers, and treats an unreachable receiver like a failing one', async () => {
      const { owner, pageId } = await tenantWithPage();
      const flaky = receiver.endpoint(503, 429, 200);
      const down = 'http://127.0.0.1:1/nobody-listens';
      const recovers = await subscribe(owner, { url: flaky });
      const unreachable = await subscribe(owner, { url: down });
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000079', 'anyone?'));
      await t.drainInbound();
      for (let i = 0; i < 3; i++) {
        await drainWebhooks();
        await makeRetriesDue(owner.tenantId);
      }
      expect((await deliveries(owner, recovers.id))[0]).toMatchObject({ status: 'delivered', attempts: 3, responseCode: 200 });
      expect((await deliveries(owner, unreachable.id))[0]).toMatchObject({
        status: 'pending',
        attempts: 3,
        responseCode: null,
        lastError: expect.stringMatching(/^ECONNREFUSED/),
      });
      expect(receiver.at(flaky)).toHaveLength(3);
    });

    it('withholds Meta-origin data from an advertising subscription and audits the denial; other origins still flow', async () => {
      const { owner, pageId } = await tenantWithPage();
      const adsUrl = receiver.endpoint();
      const ads = await subscribe(owner, { url: adsUrl, purpose: 'advertising', events: ['message.created', 'conversation.updated', 'message.status'] });

      await postMetaWebhook(t, messengerMessage(pageId, '24000000000080', 'I love your red shoes'));
      await t.drainInbound();
      await drainWebhooks();
      expect(receiver.at(adsUrl)).toEqual([]);

      const log = await deliveries(owner, ads.id);
      expect(log.map((d) => [d.eventType, d.status, d.attempts]).sort()).toEqual([
        ['conversation.updated', 'withheld', 0],
        ['message.created', 'withheld', 0],
      ]);
      expect(log[0].lastError).toMatch(/^PURPOSE_NOT_PERMITTED/);
      const { rows: audit } = await db.query(
        `select actor, action, subject, decision, reason from audit_log where tenant_id = $1 and action = 'webhook.deliver' order by at`,
        [owner.tenantId],
      );
      expect(audit).toHaveLength(2);
      for (const row of audit) {
        expect(row).toMatchObject({ actor: 'system:webhooks', decision: 'deny', subject: expect.stringContaining(`webhook_subscription:${ads.id}/delivery:`) });
        expect(row.reason).toMatch(/PURPOSE_NOT_PERMITTED.*advertising.*origin meta/);
        expect(row.reason).not.toContain('red shoes');
      }

      // Telegram data is the Customer's to use for its own advertising (within the law): delivered.
      const telegram = await t.createChannel(owner, 'telegram');
      await t.inbound(owner, telegram, { channelKind: 'telegram', text: 'newsletter please' });
      await drainWebhooks();
      expect(
        receiver
          .at(adsUrl)
          .map((r) => [r.body.type, r.body.data.channel.kind])
          .sort(),
      ).toEqual([
        ['conversation.updated', 'telegram'],
        ['message.created', 'telegram'],
      ]);
    });

    it('sends Meta-origin data to a crm_sync subscription only for contacts with a recorded consent', async () => {
      const { owner, pageId } = await tenantWithPage();
      const url = receiver.endpoint();
      const crm = await subscribe(owner, { url, purpose: 'crm_sync' });
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000081', 'first'));
      await t.drainInbound();
      await drainWebhooks();
      expect(receiver.at(url)).toEqual([]);
      expect((await deliveries(owner, crm.id))[0]).toMatchObject({ status: 'withheld', lastError: expect.stringMatching(/^CONSENT_REQUIRED/) });

      const conversation = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items[0];
      const consent = await t.request('PUT', `/api/contacts/${conversation.contactId}/consents`, {
        token: owner.token,
        body: { consents: [{ purpose: 'crm_enrichment', granted: true, source: 'asked in chat' }] },
      });
      expect(consent.status).toBe(200);
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000081', 'second'));
      await t.drainInbound();
      await drainWebhooks();
      expect(receiver.at(url).map((r) => r.body.data.message.text)).toEqual(['second']);
    });

    it('re-checks at send time: a consent withdrawn before the retry withholds the delivery', async () => {
      const { owner, pageId } = await tenantWithPage();
      const url = receiver.endpoint(500);
      const crm = await subscribe(owner, { url, purpose: 'customer_export' });
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000082', 'hi'));
      await t.drainInbound();
      const conversation = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items[0];
      const setConsent = (granted: boolean) =>
        t.request('PUT', `/api/contacts/${conversation.contactId}/consents`, {
          token: owner.token,
          body: { consents: [{ purpose: 'data_export', granted, source: 'form' }] },
        });
      // Consent to the CRM is not consent to an export.
      await t.request('PUT', `/api/contacts/${conversation.contactId}/consents`, {
        token: owner.token,
        body: { consents: [{ purpose: 'crm_enrichment', granted: true, source: 'form' }] },
      });
      await setConsent(true);
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000082', 'export me'));
      await t.drainInbound();
      await drainWebhooks();
      expect(receiver.at(url)).toHaveLength(1);

      await setConsent(false);
      await makeRetriesDue(owner.tenantId);
      await drainWebhooks();
      expect(receiver.at(url)).toHaveLength(1);
      const log = await deliveries(owner, crm.id);
      expect(log.map((d) => d.status).sort()).toEqual(['withheld', 'withheld']);
      expect(log.find((d) => d.attempts === 1)!.lastError).toMatch(/^CONSENT_REQUIRED/);
    });

    it('skips a delivery whose message was erased before it could be sent', async () => {
      const { owner, pageId } = await tenantWithPage();
      const url = receiver.endpoint();
      const sub = await subscribe(owner, { url });
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000083', 'forget me'));
      await t.drainInbound();
      await drainWebhooks();
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000083', 'forget this too'));
      await t.drainInbound();
      await db.query(`delete from messages where tenant_id = $1 and text = 'forget this too'`, [owner.tenantId]);
      await drainWebhooks();
      expect(receiver.at(url).map((r) => r.body.data.message.text)).toEqual(['forget me']);
      expect((await deliveries(owner, sub.id))[0]).toMatchObject({ status: 'skipped', attempts: 0, lastError: expect.stringMatching(/^SUBJECT_GONE/) });
    });
  });

  describe('isolation', () => {
    it("never delivers another tenant's events, and hides subscriptions across tenants", async () => {
      const a = await tenantWithPage();
      const b = await tenantWithPage();
      const url = receiver.endpoint();
      const subA = await subscribe(a.owner, { url, events: ['message.created', 'conversation.updated', 'channel.updated'] });

      await postMetaWebhook(t, messengerMessage(b.pageId, '24000000000090', "tenant B's secret plans"));
      await t.drainInbound();
      await t.request('DELETE', `/api/channels/${b.channelId}`, { token: b.owner.token });
      await drainWebhooks();
      expect(receiver.at(url)).toEqual([]);
      expect(await deliveries(a.owner, subA.id)).toEqual([]);

      for (const [method, path] of [
        ['GET', `/api/webhook-subscriptions/${subA.id}`],
        ['GET', `/api/webhook-subscriptions/${subA.id}/deliveries`],
        ['DELETE', `/api/webhook-subscriptions/${subA.id}`],
      ]) {
        const res = await t.request(method, path, { token: b.owner.token });
        expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 404, code: 'WEBHOOK_SUBSCRIPTION_NOT_FOUND' });
      }
      expect((await t.request('GET', '/api/webhook-subscriptions', { token: b.owner.token })).body.items).toEqual([]);

      // A's own events still arrive, and B's channel disconnection did not.
      await postMetaWebhook(t, messengerMessage(a.pageId, '24000000000091', 'mine'));
      await t.drainInbound();
      await drainWebhooks();
      expect(receiver.at(url).every((r) => r.body.tenantId === a.owner.tenantId)).toBe(true);
      expect(
        receiver
          .at(url)
          .map((r) => r.body.type)
          .sort(),
      ).toEqual(['conversation.updated', 'message.created']);
    });

    it('stops delivering once the subscription is deleted, pending retries included', async () => {
      const { owner, pageId } = await tenantWithPage();
      const url = receiver.endpoint(500);
      const sub = await subscribe(owner, { url });
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000092', 'one'));
      await t.drainInbound();
      await drainWebhooks();
      expect(receiver.at(url)).toHaveLength(1);

      const del = await t.request('DELETE', `/api/webhook-subscriptions/${sub.id}`, { token: owner.token });
      expect(del.body).toEqual({ id: sub.id, status: 'deleted' });
      await makeRetriesDue(owner.tenantId);
      await postMetaWebhook(t, messengerMessage(pageId, '24000000000092', 'two'));
      await t.drainInbound();
      expect(await drainWebhooks()).toBe(0);
      expect(receiver.at(url)).toHaveLength(1);
      expect((await t.request('GET', `/api/webhook-subscriptions/${sub.id}`, { token: owner.token })).status).toBe(404);
      const { rows } = await db.query(`select action, decision from audit_log where tenant_id = $1 order by at`, [owner.tenantId]);
      expect(rows).toEqual([
        { action: 'webhook_subscription.create', decision: 'allow' },
        { action: 'webhook_subscription.delete', decision: 'allow' },
      ]);
    });
  });

  describe('dispatch', () => {
    it('answers a burst of events with one subscription lookup per tenant, and a new subscription gets the next event at once', async () => {
      const { owner, pageId } = await tenantWithPage();
      const events = t.app.get(DomainEvents);
      const dispatcher = t.app.get(IntegrationDispatcher);
      const url = receiver.endpoint();
      const transactions = jest.spyOn(t.app.get(RegionDatabases), 'forTenant');
      const burst = (n: number) => {
        for (let i = 0; i < n; i++)
          events.publish({ tenantId: owner.tenantId, region: owner.region, type: 'conversation.updated', data: { id: randomUUID() } });
        return dispatcher.settled();
      };
      try {
        // No subscription: 200 events at once, one lookup between them.
        await burst(200);
        expect(transactions).toHaveBeenCalledTimes(1);

        // A subscription to message.created only: the lookup is redone at once, and
        // conversation.updated still opens no transaction per event.
        const sub = await subscribe(owner, { url, events: ['message.created'] });
        transactions.mockClear();
        await burst(100);
        expect(transactions).toHaveBeenCalledTimes(1);

        await postMetaWebhook(t, messengerMessage(pageId, '24000000000093', 'right after subscribing'));
        await t.drainInbound();
        expect((await deliveries(owner, sub.id)).map((d) => d.eventType)).toEqual(['message.created']);
      } finally {
        transactions.mockRestore();
      }
      await drainWebhooks();
      expect(receiver.at(url).map((r) => r.body.data.message.text)).toEqual(['right after subscribing']);
    });
  });

  describe('audit log', () => {
    it('is append-only for the app role and for the owner alike', async () => {
      const owner = await t.signup();
      await t.request('POST', '/api/webhook-subscriptions', {
        token: owner.token,
        body: { url: 'https://hooks.example.com/x', events: ['message.created'], purpose: 'sale' },
      });
      const { rows: privileges } = await db.query(
        `select has_table_privilege($1, 'audit_log', 'INSERT') as ins, has_table_privilege($1, 'audit_log', 'SELECT') as sel,
                has_table_privilege($1, 'audit_log', 'UPDATE') as upd, has_table_privilege($1, 'audit_log', 'DELETE') as del,
                has_table_privilege($1, 'audit_log', 'TRUNCATE') as trunc`,
        [process.env.MM_TEST_APP_ROLE],
      );
      expect(privileges[0]).toEqual({ ins: true, sel: true, upd: false, del: false, trunc: false });

      const asApp = (sql: string) => t.dbs.forTenant(owner, (tx) => tx.query(sql, [owner.tenantId]));
      await expect(asApp(`update audit_log set decision = 'allow' where tenant_id = $1`)).rejects.toThrow(/permission denied/);
      await expect(asApp(`delete from audit_log where tenant_id = $1`)).rejects.toThrow(/permission denied/);
      await expect(db.query(`update audit_log set decision = 'allow' where tenant_id = $1`, [owner.tenantId])).rejects.toThrow(/append-only/);
      await expect(db.query(`delete from audit_log where tenant_id = $1`, [owner.tenantId])).rejects.toThrow(/append-only/);
      await expect(db.query(`truncate audit_log`)).rejects.toThrow(/append-only/);
      expect((await db.query(`select decision from audit_log where tenant_id = $1`, [owner.tenantId])).rows).toEqual([{ decision: 'deny' }]);
    });
  });

  it('refuses local and private targets unless WEBHOOKS_ALLOW_LOCAL_TARGETS is on', async () => {
    const strict = await TestApp.start({ META_APP_SECRET, META_VERIFY_TOKEN, META_GRAPH_URL: graph.url });
    try {
      const owner = await strict.signup();
      for (const url of [
        receiver.endpoint(),
        'https://localhost/x',
        'https://169.254.169.254/latest/meta-data',
        'https://10.0.0.7/hook',
        'https://localhost./x',
        'https://LOCALHOST./x',
        'https://2130706433/x',
        'https://[::ffff:127.0.0.1]/x',
      ]) {
        const res = await strict.request('POST', '/api/webhook-subscriptions', {
          token: owner.token,
          body: { url, events: ['message.created'], purpose: 'service_delivery' },
        });
        expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'INVALID_WEBHOOK_URL' });
      }
    } finally {
      await strict.close();
    }
  });

  it('re-encrypts signing secrets under a new master key', async () => {
    const { owner } = await tenantWithPage();
    const sub = await subscribe(owner, { url: receiver.endpoint() });
    const oldKeys = t.config.masterKeys;
    const rotated = `rotated:${randomBytes(32).toString('base64')}`;
    const box = new SecretBox(KeyRing.parse(`${oldKeys},${rotated}`));
    const result = await t.app.get(IntegrationSecrets).rotate(box);
    expect(result.rewrapped).toBeGreaterThanOrEqual(1);
    const sealed = async () =>
      (await db.query(`select secret from webhook_subscriptions where tenant_id = $1 and id = $2`, [owner.tenantId, sub.id])).rows[0].secret;
    expect(await sealed()).toMatch(/^v1\.rotated\./);
    expect(box.decryptString(await sealed(), webhookSecretContext(owner.tenantId, sub.id))).toBe(sub.secret);
    expect((await t.app.get(IntegrationSecrets).rotate(box)).rewrapped).toBe(0);

    // Back under the app's own newest key, so the order of the tests does not matter.
    await t.app.get(IntegrationSecrets).rotate(new SecretBox(KeyRing.parse(`${rotated},${oldKeys}`)));
    expect(new SecretBox(KeyRing.parse(oldKeys)).decryptString(await sealed(), webhookSecretContext(owner.tenantId, sub.id))).toBe(sub.secret);
  });
});
