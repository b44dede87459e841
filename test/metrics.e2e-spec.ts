import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant } from './support/test-app';
import { MetricsController } from '../src/metrics/metrics.controller';
import { Metrics } from '../src/metrics/metrics.service';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';

/** The value of one series in a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

/** GET /metrics, scraped as Prometheus does, moves with what the app does, and names no tenant. */
describe('metrics', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let owner: TestTenant;

  beforeAll(async () => {
    graph = await new FakeGraphServer().start();
    t = await TestApp.start({ META_GRAPH_URL: graph.url, META_APP_SECRET, META_VERIFY_TOKEN, METRICS_TOKEN });
    owner = await t.signup();
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  const scrape = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it('is for the scraper only: no or a wrong bearer token is refused', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.statusCode).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ code: 'UNAUTHENTICATED' });
    // Without METRICS_TOKEN there is no /metrics at all.
    const unconfigured = new MetricsController({ metricsToken: undefined } as never, t.app.get(Metrics));
    await expect(unconfigured.scrape(`Bearer ${METRICS_TOKEN}`, {} as never)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("gives every response a request id (the proxy's own when it sent a sane one), for logs to line up across hops", async () => {
    const fresh = await t.request('GET', '/health');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await t.request('GET', '/health', { headers: { 'x-request-id': 'proxy-42.a' } })).headers['x-request-id']).toBe('proxy-42.a');
    expect((await t.request('GET', '/health', { headers: { 'x-request-id': 'no spaces <script>' } })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts webhooks, the queue, sends, streams and pool connections as they move', async () => {
    const { pageId, channelId } = await connectPage(t, graph, owner);
    const before = await scrape();
    const accepted = { platform: 'meta', outcome: 'accepted', status: '200' };
    const refused = { platform: 'meta', outcome: 'refused', status: '403' };

    expect((await postMetaWebhook(t, messengerMessage(pageId, platformId(), 'count me'))).status).toBe(200);
    expect((await postMetaWebhook(t, messengerMessage(pageId, platformId(), 'forged'), { signature: 'sha256=00' })).status).toBe(403);
    const queued = await scrape();
    expect(sample(queued, 'mm_webhooks_total', accepted) - sample(before, 'mm_webhooks_total', accepted)).toBe(1);
    expect(sample(queued, 'mm_webhooks_total', refused) - sample(before, 'mm_webhooks_total', refused)).toBe(1);
    expect(sample(queued, 'mm_queue_jobs', { region: 'eu', kind: 'inbound', state: 'due' })).toBe(1);
    expect(sample(queued, 'mm_queue_oldest_due_seconds', { region: 'eu', kind: 'inbound' })).toBeGreaterThanOrEqual(0);

    await t.drainInbound();
    const drained = await scrape();
    expect(sample(drained, 'mm_queue_jobs', { region: 'eu', kind: 'inbound', state: 'due' })).toBe(0);
    expect(sample(drained, 'mm_queue_oldest_due_seconds', { region: 'eu', kind: 'inbound' })).toBe(0);
    // The acknowledged webhook's event was recorded: one more observation of the processing lag.
    expect(sample(drained, 'mm_inbound_lag_seconds_count', { kind: 'messenger' }) - sample(queued, 'mm_inbound_lag_seconds_count', { kind: 'messenger' })).toBe(
      1,
    );

    const conversation = (await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token })).body.items[0];
    expect((await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'counted' } })).status).toBe(202);
    graph.failNext(`/${pageId}/messages`, 400, { message: "This person isn't available right now.", code: 551 });
    expect((await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'refused' } })).status).toBe(202);
    await t.drainOutbound();
    const sent = await scrape();
    expect(sample(sent, 'mm_sends_total', { kind: 'messenger', outcome: 'failed', code: '551' })).toBe(1);
    expect(
      sample(sent, 'mm_sends_total', { kind: 'messenger', outcome: 'sent' }) - sample(drained, 'mm_sends_total', { kind: 'messenger', outcome: 'sent' }),
    ).toBe(1);

    expect(sent).toMatch(/^mm_sse_clients 0$/m);
    expect(sample(sent, 'mm_db_pool_connections', { region: 'eu', pool: 'api', state: 'max' })).toBeGreaterThan(0);
    expect(sent).toMatch(/^mm_process_cpu_seconds_total /m);
    // Labels name platforms, kinds and outcomes: never an organization, a channel or a person.
    for (const id of [owner.tenantId, channelId, conversation.id, pageId]) expect(sent).not.toContain(id);
  });
});
