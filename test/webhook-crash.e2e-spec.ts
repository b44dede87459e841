import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { signMetaBody } from '../src/channels/meta/meta-signature';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { AppProcess } from './support/app-process';
import { META_APP_SECRET, messengerMessage, platformId } from './support/meta';
import { ownerClient, testEnv } from './support/test-app';

jest.setTimeout(120_000);

/**
 * kill -9 in the middle of a webhook load: every webhook that got its 200 becomes exactly one
 * message after the restart, and the platform's redeliveries are absorbed.
 */
describe('crash during webhook load', () => {
  let app: AppProcess;
  let graph: FakeGraphServer;
  let db: Client;

  beforeAll(async () => {
    graph = await new FakeGraphServer().start();
    app = new AppProcess({
      ...(await testEnv({ META_APP_SECRET, META_GRAPH_URL: graph.url, WORKERS: 'on', WORKER_IDLE_MS: '50', WORKER_LEASE_SECONDS: '3' })),
      JWT_SECRET: randomBytes(32).toString('hex'),
    });
    await app.start();
    db = await ownerClient('eu');
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await db?.end();
    await graph?.stop();
  });

  it('turns every acknowledged webhook into exactly one message', async () => {
    const signup = await fetch(`${app.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationName: 'Crashy', email: `crash-${platformId()}@example.test`, password: 'a long enough password' }),
    }).then((r) => r.json() as Promise<{ accessToken: string }>);
    const pageId = platformId();
    graph.page(pageId, 'EAAB-crash-token');
    const connected = await fetch(`${app.url}/api/channels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${signup.accessToken}` },
      body: JSON.stringify({ kind: 'messenger', name: 'P', config: { pageId }, credentials: { pageAccessToken: 'EAAB-crash-token' } }),
    });
    expect(connected.status).toBe(201);

    const total = 400;
    const bodies = Array.from({ length: total }, (_, i) => JSON.stringify(messengerMessage(pageId, `user-${i % 25}`, `message ${i}`, `m_crash_${i}`)));
    const acked = new Set<number>();
    const post = (i: number) =>
      fetch(`${app.url}/webhooks/meta`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(META_APP_SECRET, bodies[i]) },
        body: bodies[i],
      }).then(
        (r) => r.status === 200 && acked.add(i),
        () => false,
      );

    let next = 0;
    let killed: Promise<void> | undefined;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        await post(i);
        if (acked.size >= total / 3 && !killed) killed = app.kill9();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await killed;
    expect(acked.size).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(total); // the kill really cut the load short

    await app.start();
    // The platform redelivers what it did not see acknowledged, and some of what it did.
    for (let i = 0; i < total; i++) if (!acked.has(i) || i % 10 === 0) await post(i);

    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const { rows } = await db.query(`select count(*)::int as n from queue.jobs where kind = 'inbound'`);
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const { rows } = await db.query(`select external_id, count(*)::int as n from messages where external_id like 'm_crash_%' group by external_id`);
    const stored = new Map(rows.map((r) => [r.external_id as string, r.n as number]));
    for (const i of acked) expect({ mid: `m_crash_${i}`, n: stored.get(`m_crash_${i}`) }).toEqual({ mid: `m_crash_${i}`, n: 1 });
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    expect(stored.size).toBe(total);
    const failed = await db.query(`select count(*)::int as n from inbound_events where state <> 'done'`);
    expect(failed.rows[0].n).toBe(0);
  }, 180_000);
});
