import { randomUUID } from 'node:crypto';
import { Server, createServer } from 'node:http';
import type { Client } from 'pg';
import { signMetaBody } from '../src/channels/meta/meta-signature';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { schemaViolation } from './support/api-contract';
import { AppProcess } from './support/app-process';
import { META_APP_SECRET, messengerMessage, platformId } from './support/meta';
import { SseFrame, SseReader } from './support/sse-reader';
import { ownerClient, testEnv } from './support/test-app';

jest.setTimeout(180_000);

const SHOP = 'https://shop.example';

/** A subscription's receiver: records every POST and what it answered; the first one fails, so it is retried. */
class Receiver {
  readonly received: Array<{ id: string; type: string; data: Record<string, any>; status: number }> = [];
  readonly violations: string[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const violation = schemaViolation('WebhookEvent', body);
      if (violation) this.violations.push(violation);
      const status = this.received.length === 0 ? 500 : 204;
      this.received.push({ id: body.id, type: body.type, data: body.data, status });
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }

  /** The deliveries it accepted (2xx). */
  accepted() {
    return this.received.filter((r) => r.status < 300);
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Two app processes on the same region databases: `worker` runs the queue workers (it
 * processes webhooks, sends replies, delivers outgoing webhooks), `api` only answers HTTP. Events
 * reach the streams of either from the region's event log, whichever instance committed them.
 */
describe('events across two instances', () => {
  let graph: FakeGraphServer;
  let receiver: Receiver;
  let worker: AppProcess;
  let api: AppProcess;
  let db: Client;
  let token: string;
  let tenantId: string;
  let pageId: string;
  const psid = platformId();

  const call = async (app: AppProcess, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };
  const agentStream = (app: AppProcess, lastEventId?: string) =>
    SseReader.open(`${app.url}/api/events`, { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) });
  const ingest = async (app: AppProcess, text: string) => {
    const mid = `m_across_${randomUUID()}`;
    const raw = JSON.stringify(messengerMessage(pageId, psid, text, mid));
    const res = await fetch(`${app.url}/webhooks/meta`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(META_APP_SECRET, raw) },
      body: raw,
    });
    expect(res.status).toBe(200);
    return mid;
  };
  const messageOf = (mid: string) =>
    until(`message ${mid}`, async () => {
      const { rows } = await db.query(`select id, conversation_id from messages where tenant_id = $1 and external_id = $2`, [tenantId, mid]);
      return rows[0] as { id: string; conversation_id: string } | undefined;
    });

  beforeAll(async () => {
    graph = await new FakeGraphServer().start();
    receiver = await new Receiver().start();
    const env = await testEnv({
      META_APP_SECRET,
      META_GRAPH_URL: graph.url,
      WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on',
      TRUST_PROXY: 'loopback',
      WORKER_IDLE_MS: '50',
    });
    worker = new AppProcess({ ...env, WORKERS: 'on' });
    api = new AppProcess({ ...env, WORKERS: 'off' });
    await worker.start();
    await api.start();
    db = await ownerClient('eu');

    const signup = await fetch(`${api.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationName: 'Two Instances', email: `two-${randomUUID()}@example.test`, password: 'a long enough password' }),
    }).then((r) => r.json() as Promise<{ accessToken: string; tenant: { id: string } }>);
    token = signup.accessToken;
    tenantId = signup.tenant.id;
    pageId = platformId();
    graph.page(pageId, 'EAAB-two-instances');
    expect(
      (await call(api, 'POST', '/api/channels', { kind: 'messenger', name: 'P', config: { pageId }, credentials: { pageAccessToken: 'EAAB-two-instances' } }))
        .status,
    ).toBe(201);
    expect(
      (await call(api, 'POST', '/api/webhook-subscriptions', { url: receiver.url, events: ['message.created'], purpose: 'service_delivery' })).status,
    ).toBe(201);
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await db?.end();
    await receiver?.stop();
    await graph?.stop();
  });

  let seen: SseFrame;

  it('streams to an agent on one instance the message another instance ingested, and replays what a stream missed on either', async () => {
    const onApi = await agentStream(api);
    expect(onApi.status).toBe(200);
    const sentAt = Date.now();
    const mid = await ingest(worker, 'hello from instance one');
    seen = await onApi.next((f) => f.event === 'message.created', 10_000);
    const deliveredMs = Date.now() - sentAt;
    const first = await messageOf(mid);
    expect(seen.data.data).toMatchObject({ messageId: first.id, conversationId: first.conversation_id, direction: 'inbound' });
    process.stdout.write(`webhook at one instance → agent stream on the other: ${deliveredMs} ms (ACK, queue and processing included)\n`);
    onApi.close();

    // One after the other: the order of the log is the order of the commits.
    const missedIds = [(await messageOf(await ingest(worker, 'missed 1'))).id, (await messageOf(await ingest(worker, 'missed 2'))).id];
    // Both instances replay the same events from the log, whichever wrote them.
    for (const app of [worker, api]) {
      const resumed = await agentStream(app, seen.id);
      const replayed = [await resumed.next((f) => f.event === 'message.created'), await resumed.next((f) => f.event === 'message.created')];
      expect(replayed.map((f) => f.data.data.messageId)).toEqual(missedIds);
      expect((await resumed.pending()).filter((f) => f.event === 'reset' || (f.event === 'message.created' && f.data.data.direction === 'inbound'))).toEqual(
        [],
      );
      resumed.close();
    }
    // An id of no log of this tenant is a reset, on either.
    const foreign = await agentStream(api, `${seen.id!.startsWith('0') ? '1' : '0'}${seen.id!.slice(1)}`);
    expect((await foreign.next((f) => f.event === 'reset')).data).toEqual({ reason: 'unknown_event_id' });
    foreign.close();
  });

  it('sends a web chat visitor on one instance the reply an agent sent through the other', async () => {
    const channel = await call(api, 'POST', '/api/channels', { kind: 'webchat', name: 'Website chat', config: { allowedOrigins: [SHOP] }, credentials: {} });
    expect(channel.status).toBe(201);
    const key = channel.body.config.channelKey;
    expect(typeof key).toBe('string');
    const headers = (session?: string): Record<string, string> => ({
      origin: SHOP,
      'x-forwarded-for': '198.51.100.77',
      'content-type': 'application/json',
      ...(session ? { authorization: `Bearer ${session}` } : {}),
    });
    const started = await fetch(`${api.url}/webchat/${key}/sessions`, { method: 'POST', headers: headers(), body: '{}' }).then(
      (r) => r.json() as Promise<{ token: string }>,
    );
    const stream = await SseReader.open(`${api.url}/webchat/${key}/stream?session=${encodeURIComponent(started.token)}`, {
      origin: SHOP,
      'x-forwarded-for': '198.51.100.77',
    });
    expect(stream.status).toBe(200);
    const sent = await fetch(`${api.url}/webchat/${key}/messages`, {
      method: 'POST',
      headers: headers(started.token),
      body: JSON.stringify({ clientMessageId: randomUUID(), text: 'Is my order on its way?' }),
    });
    expect(sent.status).toBeLessThan(300);
    const mine = await stream.next((f) => f.event === 'message' && f.data.from === 'visitor', 15_000);
    const { rows } = await db.query(`select conversation_id from messages where tenant_id = $1 and id = $2`, [tenantId, mine.id]);

    const reply = await call(worker, 'POST', `/api/conversations/${rows[0].conversation_id}/messages`, { text: 'It arrives tomorrow' });
    expect(reply.status).toBe(202);
    const answer = await stream.next((f) => f.event === 'message' && f.data.from === 'agent', 15_000);
    expect(answer.data).toMatchObject({ id: reply.body.id, from: 'agent', text: 'It arrives tomorrow' });
    stream.close();
  });

  it('delivers each event to a webhook subscription once per event id, the retried one included', async () => {
    const created = async () =>
      (await db.query(`select id from messages where tenant_id = $1`, [tenantId])).rows.map((r: { id: string }) => r.id as string).sort();
    const messages = await created();
    await until('every message.created accepted by the receiver', () => receiver.accepted().length >= messages.length && true);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive by now
    const accepted = receiver.accepted();
    expect(accepted.map((r) => r.data.message.id).sort()).toEqual(messages);
    expect(new Set(accepted.map((r) => r.id)).size).toBe(accepted.length);
    // The first delivery was refused and retried under the same event id.
    const [refused] = receiver.received.filter((r) => r.status >= 300);
    expect(accepted.filter((r) => r.id === refused.id)).toHaveLength(1);
    expect(receiver.violations).toEqual([]);
  });

  it('keeps a delivery committed while no instance could send it, and sends it once one can', async () => {
    const { rows } = await db.query(`select conversation_id from messages where tenant_id = $1 and direction = 'inbound' order by created_at limit 1`, [
      tenantId,
    ]);
    await worker.kill9();
    const reply = await call(api, 'POST', `/api/conversations/${rows[0].conversation_id}/messages`, { text: 'sent while the workers are down' });
    expect(reply.status).toBe(202);
    // Committed with the reply itself: the delivery and its job, and the event in the log.
    const outbox = await db.query(
      `select d.event_id, (select count(*) from queue.jobs j where j.kind = 'webhook' and j.ref_id = d.id)::int as jobs
       from webhook_deliveries d where d.tenant_id = $1 and d.event_data->>'messageId' = $2`,
      [tenantId, reply.body.id],
    );
    expect(outbox.rows).toEqual([{ event_id: expect.any(String), jobs: 1 }]);
    const logged = await db.query(`select type from event_log where tenant_id = $1 and data->>'messageId' = $2`, [tenantId, reply.body.id]);
    expect(logged.rows).toEqual([{ type: 'message.created' }]);

    await worker.start();
    const delivered = await until('the reply delivered to the subscription', () => receiver.accepted().find((r) => r.data.message.id === reply.body.id));
    expect(delivered.id).toBe(outbox.rows[0].event_id);
  });
});
