import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { signMetaBody } from '../src/channels/meta/meta-signature';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { AppProcess } from './support/app-process';
import { META_APP_SECRET, messengerMessage, platformId } from './support/meta';
import { ownerClient, testEnv } from './support/test-app';

jest.setTimeout(180_000);

const until = async (what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

/**
 * Two app processes on the same region databases, with the default 10 s lease. A SIGKILLed
 * instance's job (a send stuck mid-call) is finished by the other within 15 s, once; a SIGTERM
 * during a webhook load exits 0 within its grace period, hands its streams a reconnect hint,
 * and loses nothing: every acknowledged webhook is one message.
 */
describe('failover between instances', () => {
  let a: AppProcess;
  let b: AppProcess;
  let graph: FakeGraphServer;
  let db: Client;
  let token: string;
  let pageId: string;

  beforeAll(async () => {
    graph = await new FakeGraphServer().start();
    const env = {
      ...(await testEnv({
        META_APP_SECRET,
        META_GRAPH_URL: graph.url,
        WORKERS: 'on',
        WORKER_IDLE_MS: '100',
        SHUTDOWN_GRACE_MS: '4000',
        // A's held call must outlast B's start, which compiles src/ and took over 15 s in a busy CI run.
        PLATFORM_TIMEOUT_SECONDS: '120',
      })),
      JWT_SECRET: randomBytes(32).toString('hex'),
    };
    a = new AppProcess(env);
    b = new AppProcess(env);
    await a.start();
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.end();
    await graph?.stop();
  });

  const api = (app: AppProcess, method: string, path: string, body?: unknown) =>
    fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const webhook = (app: AppProcess, body: string) =>
    fetch(`${app.url}/webhooks/meta`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(META_APP_SECRET, body) },
      body,
    }).then(
      (r) => r.status === 200,
      () => false,
    );

  it('finishes a killed instance’s job on the other instance within 15 s, once', async () => {
    const signup = await fetch(`${a.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationName: 'Failover', email: `failover-${platformId()}@example.test`, password: 'a long enough password' }),
    }).then((r) => r.json() as Promise<{ accessToken: string }>);
    token = signup.accessToken;
    pageId = platformId();
    graph.page(pageId, 'EAAB-failover-token');
    const connected = await api(a, 'POST', '/api/channels', {
      kind: 'messenger',
      name: 'P',
      config: { pageId },
      credentials: { pageAccessToken: 'EAAB-failover-token' },
    });
    expect(connected.status).toBe(201);
    expect(await webhook(a, JSON.stringify(messengerMessage(pageId, platformId(), 'hello', `m_fo_${platformId()}`)))).toBe(true);
    let conversationId = '';
    await until('the webhook became a conversation', 15_000, async () => {
      conversationId = ((await (await api(a, 'GET', '/api/conversations')).json()) as { items: Array<{ id: string }> }).items[0]?.id ?? '';
      return conversationId !== '';
    });

    // A's send hangs mid-call; B comes up meanwhile and finds the job leased (A's heartbeat renews it).
    const path = `/${pageId}/messages`;
    graph.holdNext(path);
    expect((await api(a, 'POST', `/api/conversations/${conversationId}/messages`, { text: 'survives a crash' })).status).toBe(202);
    await until('A called the platform', 15_000, async () => graph.heldCalls(path) === 1);
    await b.start();
    expect(graph.callsTo(path)).toHaveLength(0);

    await a.kill9();
    await until('B sent the message', 15_000, async () => {
      const items = (
        (await (await api(b, 'GET', `/api/conversations/${conversationId}/messages`)).json()) as { items: Array<{ direction: string; status: string }> }
      ).items;
      return items.some((m) => m.direction === 'outbound' && m.status === 'sent');
    });
    expect(graph.callsTo(path)).toHaveLength(1);
    const { rows } = await db.query(`select status from messages where conversation_id = $1 and direction = 'outbound'`, [conversationId]);
    expect(rows).toEqual([{ status: 'sent' }]);
    expect((await db.query(`select count(*)::int as n from queue.jobs where kind = 'outbound'`)).rows[0].n).toBe(0);
  });

  it('on SIGTERM under load exits 0 in time, tells its streams to reconnect, and loses no acknowledged webhook', async () => {
    await a.start(); // the rolling restart's new instance
    const stream = await fetch(`${b.url}/api/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    const streamText = stream.text();

    const total = 300;
    const bodies = Array.from({ length: total }, (_, i) => JSON.stringify(messengerMessage(pageId, `user-${i % 20}`, `load ${i}`, `m_term_${i}`)));
    const acked = new Set<number>();
    let next = 0;
    let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
    const sender = async () => {
      while (next < total) {
        const i = next++;
        // Before B stops, the load goes to B; after, to A (the proxy's next upstream).
        if (await webhook(stopping ? a : b, bodies[i])) acked.add(i);
        if (acked.size >= total / 3 && !stopping) stopping = b.signalAndWait('SIGTERM', 4000 + 10_000);
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    expect(await stopping).toEqual({ code: 0, signal: null });
    expect(b.output).toContain('SIGTERM: stopping');

    // The stream ended with a reconnect hint after its opening one.
    const text = await streamText;
    expect(text.match(/^retry: \d+$/gm)?.length).toBe(2);
    expect(text.trimEnd()).toMatch(/retry: \d+$/);

    await until(
      'every queued inbound job is done',
      30_000,
      async () => (await db.query(`select count(*)::int as n from queue.jobs where kind = 'inbound'`)).rows[0].n === 0,
    );
    const { rows } = await db.query(`select external_id, count(*)::int as n from messages where external_id like 'm_term_%' group by external_id`);
    const stored = new Map(rows.map((r) => [r.external_id as string, r.n as number]));
    for (const i of acked) expect({ mid: `m_term_${i}`, n: stored.get(`m_term_${i}`) }).toEqual({ mid: `m_term_${i}`, n: 1 });
    expect(acked.size).toBe(total);
    const failed = await db.query(`select count(*)::int as n from inbound_events where state <> 'done'`);
    expect(failed.rows[0].n).toBe(0);
  });
});
