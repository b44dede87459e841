import type { Client } from 'pg';
import { Clock } from '../libs/domain/src';
import { RetentionPurgeJob } from '../src/privacy/retention-purge.job';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, connectWhatsApp, startWithFakeGraph } from './support/channels';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const DAY = 24 * 3600_000;

/** Retention and post-disconnect purges, driven by a fake clock instead of waiting. */
describe('retention and purge jobs', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let db: Client;
  let now: Date;
  const purge = () => t.app.get(RetentionPurgeJob).run();
  const later = (days: number) => (now = new Date(Date.now() + days * DAY));

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph());
    db = await ownerClient('eu');
    now = new Date();
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => now);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  const connect = async (owner: TestTenant, kind: 'messenger' | 'whatsapp') =>
    (kind === 'messenger' ? await connectPage(t, graph, owner, { name: 'p' }) : await connectWhatsApp(t, graph, owner, { name: 'w' })).channelId;
  const count = async (table: string, where: string, params: unknown[]) =>
    (await db.query(`select count(*)::int as n from ${table} where ${where}`, params)).rows[0].n;

  it("validates retention settings and refuses another tenant's channel", async () => {
    const owner = await t.signup();
    const other = await t.signup();
    const foreign = await connect(other, 'messenger');
    const refused = await t.request('PUT', '/api/settings/retention', { token: owner.token, body: { defaultDays: 30, channels: { [foreign]: 5 } } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CHANNEL_NOT_FOUND');
    expect((await t.request('PUT', '/api/settings/retention', { token: owner.token, body: { defaultDays: 0, channels: {} } })).status).toBe(400);
    const own = await connect(owner, 'messenger');
    const ok = await t.request('PUT', '/api/settings/retention', { token: owner.token, body: { defaultDays: 365, channels: { [own]: 30 } } });
    expect(ok.body).toEqual({ defaultDays: 365, channels: { [own]: 30 } });
    expect((await t.request('GET', '/api/settings/retention', { token: owner.token })).body).toEqual(ok.body);
    const agent = await t.addUser(owner, 'agent');
    expect((await t.request('PUT', '/api/settings/retention', { token: agent.token, body: { defaultDays: 1, channels: {} } })).status).toBe(403);
  });

  it("deletes messages past their channel's retention, and conversations left empty", async () => {
    const owner = await t.signup();
    const short = await connect(owner, 'messenger');
    const keep = await connect(owner, 'messenger');
    await t.request('PUT', '/api/settings/retention', { token: owner.token, body: { defaultDays: null, channels: { [short]: 30 } } });
    const old = new Date(Date.now() - 40 * DAY);
    const recent = new Date(Date.now() - 10 * DAY);
    const gone = await t.inbound(owner, short, { externalContactId: 'u1', text: 'old', sentAt: old });
    await t.inbound(owner, short, { externalContactId: 'u2', text: 'old too', sentAt: old });
    await t.inbound(owner, short, { externalContactId: 'u2', text: 'recent', sentAt: recent });
    await t.inbound(owner, keep, { externalContactId: 'u3', text: 'kept forever', sentAt: old });
    // As if these End Users had first written back then.
    await db.query(`update contacts set created_at = $2 where tenant_id = $1`, [owner.tenantId, old]);
    now = new Date();

    await purge();
    const texts = (await db.query(`select text from messages where tenant_id = $1 order by text`, [owner.tenantId])).rows.map((r) => r.text);
    expect(texts).toEqual(['kept forever', 'recent']);
    expect(await count('conversations', 'id = $1', [gone.conversation.id])).toBe(0);
    // u1's only conversation is gone, and its contact (platform id, name) with it; u2 and u3 stay.
    expect(await count('contacts', 'tenant_id = $1', [owner.tenantId])).toBe(2);
    expect(await count('contact_identities', 'tenant_id = $1 and external_id = $2', [owner.tenantId, 'u1'])).toBe(0);
  });

  it('purges a disconnected Messenger channel after 30 days and WhatsApp after 90, not before', async () => {
    const owner = await t.signup();
    const messenger = await connect(owner, 'messenger');
    const whatsapp = await connect(owner, 'whatsapp');
    await t.inbound(owner, messenger, { externalContactId: 'psid-9', text: 'hello from messenger' });
    await t.inbound(owner, whatsapp, { channelKind: 'whatsapp', externalContactId: '34600000009', text: 'hola from whatsapp' });
    now = new Date();
    for (const id of [messenger, whatsapp]) expect((await t.request('DELETE', `/api/channels/${id}`, { token: owner.token })).status).toBe(200);

    later(29);
    await purge();
    expect(await count('messages', 'tenant_id = $1', [owner.tenantId])).toBe(2);

    later(31);
    await purge();
    expect(await count('channels', 'id = $1', [messenger])).toBe(0);
    expect(await count('messages', 'channel_id = $1', [messenger])).toBe(0);
    expect(await count('contact_identities', 'channel_id = $1', [messenger])).toBe(0);
    expect(await count('messages', 'channel_id = $1', [whatsapp])).toBe(1);

    later(91);
    await purge();
    expect(await count('channels', 'tenant_id = $1', [owner.tenantId])).toBe(0);
    expect(await count('messages', 'tenant_id = $1', [owner.tenantId])).toBe(0);
    expect(await count('contacts', 'tenant_id = $1', [owner.tenantId])).toBe(0);
  });

  it('drops processed webhook payloads after a week', async () => {
    const owner = await t.signup();
    const channel = await connect(owner, 'messenger');
    await db.query(
      `insert into inbound_events (tenant_id, channel_id, dedupe_key, payload, state, processed_at) values ($1, $2, 'k1', '{}', 'done', now()), ($1, $2, 'k2', '{}', 'pending', null)`,
      [owner.tenantId, channel],
    );
    later(6);
    await purge();
    expect(await count('inbound_events', 'tenant_id = $1', [owner.tenantId])).toBe(2);
    later(8);
    await purge();
    expect((await db.query(`select dedupe_key from inbound_events where tenant_id = $1`, [owner.tenantId])).rows).toEqual([{ dedupe_key: 'k2' }]);
  });

  it('runs once at a time and reports its heartbeat on /health', async () => {
    now = new Date();
    await Promise.all([purge(), purge()]);
    const viewer = await t.signup(); // /health shows its details to signed-in users only
    const health = () => t.request('GET', '/health', { token: viewer.token });
    const fresh = await health();
    expect(fresh.body.jobs['retention-purge@eu']).toEqual({ lastFinishedAt: expect.any(String), stale: false });
    expect(fresh.body.warnings).toEqual([]);
    later(1.5);
    const stale = await health();
    expect(stale.body.jobs['retention-purge@eu'].stale).toBe(true);
    expect(stale.body.warnings).toContain('retention-purge@eu has not completed in the last 24 hours');
  });

  it('reports a deletion request past its deadline', async () => {
    now = new Date();
    const viewer = await t.signup();
    const health = () => t.request('GET', '/health', { token: viewer.token });
    const db2 = await ownerClient('eu');
    await db2.query(
      `insert into directory.deletion_requests (code, origin, requested_at, deadline_at) values ('STUCK0000001', 'customer', now(), now() + interval '30 days')`,
    );
    await db2.end();
    expect((await health()).body.warnings).not.toContain('1 deletion request(s) past their deadline');
    later(31);
    expect((await health()).body.warnings).toContain('1 deletion request(s) past their deadline');
  });
});
