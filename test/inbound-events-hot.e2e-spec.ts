import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { InboundProcessor } from '../src/ingest/inbound-processor.worker';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, postMetaWebhook } from './support/meta';
import { TestApp, ownerClient } from './support/test-app';

/**
 * Marking processed events done must not rewrite their indexes (see the inbound-events-hot-done
 * migration): PostgreSQL counts such updates as HOT. Its own file, so this database's counters
 * hold nothing but this test's updates.
 */
describe('marking inbound events done', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let db: Client;
  let closed = false;
  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    if (!closed) await t.close();
    await graph.stop();
  });

  it('updates each event in place (HOT), for a batch of 60 as for a single one', async () => {
    const owner = await t.signup();
    const { pageId } = await connectPage(t, graph, owner);
    const processor = t.app.get(InboundProcessor);

    for (let i = 0; i < 60; i++)
      expect((await postMetaWebhook(t, messengerMessage(pageId, `psid-${i % 7}`, `hot ${i}`, `m_hot_${i}_${randomUUID()}`))).status).toBe(200);
    expect(await processor.drain()).toBe(60);
    expect((await postMetaWebhook(t, messengerMessage(pageId, 'psid-single', 'alone', `m_hot_single_${randomUUID()}`))).status).toBe(200);
    expect(await processor.drain()).toBe(1);
    expect((await db.query(`select state, count(*)::int as n from inbound_events group by state`)).rows).toEqual([{ state: 'done', n: 61 }]);

    // A backend publishes its counters about a second after its transaction when it goes idle, or
    // later when the shared statistics are busy (a loaded CI machine: seen not at all within 15 s);
    // on exit it always does. So the app's connections end first.
    await t.close();
    closed = true;
    const counters = async () =>
      (await db.query(`select n_tup_upd::int as updated, n_tup_hot_upd::int as hot from pg_stat_user_tables where relid = 'public.inbound_events'::regclass`))
        .rows[0];
    const deadline = Date.now() + 15_000;
    let seen = await counters();
    while (seen.updated < 61 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await counters();
    }
    expect(seen).toEqual({ updated: 61, hot: 61 });
  });
});
