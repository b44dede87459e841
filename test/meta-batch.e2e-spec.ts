import type { Client } from 'pg';
import { RegionDatabases } from '../src/database/region-databases';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/** Meta batches entries of many Pages, hence many tenants and regions, into one POST. */
describe('a webhook batch spanning tenants and regions', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let eu: Client;
  let ru: Client;
  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
    [eu, ru] = await Promise.all([ownerClient('eu'), ownerClient('ru')]);
  });
  afterAll(async () => {
    await Promise.all([eu.end(), ru.end()]);
    await t.close();
    await graph.stop();
  });

  const connect = (tenant: TestTenant, pageId = platformId()) => connectPage(t, graph, tenant, { pageId, name: pageId });

  it("stores each entry in its own tenant's region, once", async () => {
    const a = await t.signup({ region: 'eu' });
    const b = await t.signup({ region: 'ru' });
    const [a1, a2, b1] = [await connect(a), await connect(a), await connect(b)];
    const entry = (pageId: string, mid: string) => ({
      id: pageId,
      time: Date.now(),
      messaging: [{ sender: { id: `u-${mid}` }, recipient: { id: pageId }, timestamp: Date.now(), message: { mid, text: mid } }],
    });
    const body = { object: 'page', entry: [entry(a1.pageId, 'mA1'), entry(b1.pageId, 'mB1'), entry(a2.pageId, 'mA2'), entry('4040404040', 'mNobody')] };

    const res = await postMetaWebhook(t, body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, stored: 3 });
    await t.drainInbound();

    const where = async (db: Client) => (await db.query(`select channel_id, external_id from messages order by external_id`)).rows;
    expect(await where(eu)).toEqual([
      { channel_id: a1.channelId, external_id: 'mA1' },
      { channel_id: a2.channelId, external_id: 'mA2' },
    ]);
    expect(await where(ru)).toEqual([{ channel_id: b1.channelId, external_id: 'mB1' }]);

    expect((await postMetaWebhook(t, body)).body).toEqual({ received: true, stored: 0 });
  });

  it('resolves a Page once for a burst of webhooks, and routes a Page connected right after it was unknown', async () => {
    const tenant = await t.signup();
    const pageId = platformId();
    const directory = jest.spyOn(t.app.get(RegionDatabases).directory(), 'query');
    const routeLookups = () => directory.mock.calls.filter(([sql]) => /from directory\.channel_routes/.test(sql)).length;
    try {
      // Unknown (not connected yet): dropped with 200, and remembered.
      expect((await postMetaWebhook(t, messengerMessage(pageId, '777001', 'too early'))).body).toEqual({ received: true, stored: 0 });
      const { channelId } = await connect(tenant, pageId);
      directory.mockClear();

      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => postMetaWebhook(t, messengerMessage(pageId, `7770${10 + (i % 4)}`, `burst ${i}`))));
      expect(burst.map((r) => r.body.stored)).toEqual(Array(40).fill(1));
      expect(routeLookups()).toBe(1);
      expect((await eu.query(`select count(*)::int as n from inbound_events where channel_id = $1`, [channelId])).rows[0].n).toBe(40);
    } finally {
      directory.mockRestore();
    }
  });
});
