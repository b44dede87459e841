import { Metrics } from '../src/metrics/metrics.service';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant } from './support/test-app';

jest.setTimeout(60_000);

/** Graph's answer past a Page's Send API rate (code 613), as the fake gives it when its limit is crossed. */
const RATE_LIMITED = { status: 400, body: { error: { code: 613, message: 'Calls to this api have exceeded the rate limit.' } } };

/**
 * Send limits are kept in the database, so two instances together keep to a platform's rate; a
 * rate-limit answer pauses that channel only. Two in-process app instances share the region
 * databases here as two processes would (an instance holds in memory only the slots it reserved in the database).
 */
describe('per-channel send limits across instances', () => {
  let graph: FakeGraphServer;
  let a: TestApp;
  let b: TestApp;
  let owner: TestTenant;

  beforeAll(async () => {
    graph = await new FakeGraphServer().start();
    const env = { META_GRAPH_URL: graph.url, META_APP_SECRET, META_VERIFY_TOKEN, SEND_LIMITS: 'messenger:5' };
    [a, b] = await Promise.all([TestApp.start(env), TestApp.start(env)]);
    owner = await a.signup();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await graph?.stop();
  });

  /** A Page with `n` End Users who wrote to it: their conversation ids. */
  async function pageWithConversations(n: number): Promise<{ pageId: string; conversations: string[] }> {
    const { pageId, channelId } = await connectPage(a, graph, owner);
    for (let i = 0; i < n; i++) expect((await postMetaWebhook(a, messengerMessage(pageId, platformId(), `hi ${i}`))).status).toBe(200);
    await a.drainInbound();
    const list = await a.request('GET', `/api/conversations?channelId=${channelId}&limit=100`, { token: owner.token });
    expect(list.body.items).toHaveLength(n);
    return { pageId, conversations: list.body.items.map((c: { id: string }) => c.id) };
  }

  const reply = async (conversationId: string, text: string) =>
    expect((await a.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner.token, body: { text } })).status).toBe(202);

  /** Both instances drain side by side until `done` (postponed sends come due again), or the deadline passes. */
  async function sendWithBoth(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!done() && Date.now() < deadline) {
      await Promise.all([a.drainOutbound(), b.drainOutbound()]);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const statuses = async (conversationId: string) =>
    (await a.request('GET', `/api/conversations/${conversationId}/messages`, { token: owner.token })).body.items
      .filter((m: { direction: string }) => m.direction === 'outbound')
      .map((m: { status: string }) => m.status);

  it('keeps two sending instances together within the Page rate: the fake never had to refuse a call', async () => {
    const { pageId, conversations } = await pageWithConversations(8);
    const path = `/${pageId}/messages`;
    graph.limitRate(path, 5, RATE_LIMITED);
    for (const c of conversations) for (const n of [1, 2]) await reply(c, `reply ${n}`);

    await sendWithBoth(() => graph.callsTo(path).length >= 16);

    expect(graph.callsTo(path)).toHaveLength(16);
    expect(graph.rateOf(path).refused).toBe(0);
    expect(graph.rateOf(path).maxPerSecond).toBeLessThanOrEqual(5);
    for (const c of conversations) expect(await statuses(c)).toEqual(['sent', 'sent']);
  });

  it('a send whose slot passed while the process stalled (a long GC pause) takes a later slot: the Page rate holds', async () => {
    const { pageId, conversations } = await pageWithConversations(8);
    const path = `/${pageId}/messages`;
    graph.limitRate(path, 5, RATE_LIMITED);
    const missed = async () => {
      let n = 0;
      for (const app of [a, b]) for (const v of (await app.app.get(Metrics).sendSlotsMissed.get()).values) n += v.value;
      return n;
    };
    const missedBefore = await missed();
    for (const c of conversations) for (const n of [1, 2]) await reply(c, `reply ${n}`);

    // Right after the sixth call the whole process (both instances) stops for 370 ms: the seventh
    // slot, due a slot (222 ms) after the sixth, wakes ~150 ms late, more than the headroom, so
    // that sent then it would make six calls within a second with the five slots after it.
    const stall = setInterval(() => {
      if (graph.callsTo(path).length < 6) return;
      clearInterval(stall);
      const until = Date.now() + 370;
      while (Date.now() < until) {
        // a stalled event loop
      }
    }, 1);
    try {
      await sendWithBoth(() => graph.callsTo(path).length >= 16);
    } finally {
      clearInterval(stall);
    }

    expect(graph.callsTo(path)).toHaveLength(16);
    expect(graph.rateOf(path).refused).toBe(0);
    expect(graph.rateOf(path).maxPerSecond).toBeLessThanOrEqual(5);
    for (const c of conversations) expect(await statuses(c)).toEqual(['sent', 'sent']);
    // The stall did hit a send waiting for its slot (else this test proved nothing).
    expect(await missed()).toBeGreaterThan(missedBefore);
  });

  it('pauses only the channel the platform rate-limited: another Page keeps sending', async () => {
    const limited = await pageWithConversations(2);
    const other = await pageWithConversations(2);
    const limitedPath = `/${limited.pageId}/messages`;
    const otherPath = `/${other.pageId}/messages`;
    graph.failNext(limitedPath, 400, RATE_LIMITED.body.error, { 'retry-after': '120' });
    await reply(limited.conversations[0], 'first');
    await a.drainOutbound();
    expect(graph.callsTo(limitedPath)).toHaveLength(1);

    for (const c of [...limited.conversations, ...other.conversations]) await reply(c, 'later');
    await sendWithBoth(() => graph.callsTo(otherPath).length >= 2);

    expect(graph.callsTo(otherPath)).toHaveLength(2);
    for (const c of other.conversations) expect(await statuses(c)).toEqual(['sent']);
    // The paused Page was not called again: its replies wait, queued, for the pause to end.
    expect(graph.callsTo(limitedPath)).toHaveLength(1);
    expect(await statuses(limited.conversations[0])).toEqual(['queued', 'queued']);
    expect(await statuses(limited.conversations[1])).toEqual(['queued']);
  });
});
