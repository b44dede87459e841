import type { Client } from 'pg';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * search_messages picks how it reads a tenant's newest matches (see the SearchPlanChoice
 * migration): a word in few messages through the GIN index, a word in many by walking the newest
 * messages. Which path ran is read from the transaction's function statistics; both paths must
 * answer exactly the newest `candidates` matches.
 */
describe('message search: the path for rare and for common words', () => {
  const MESSAGES = 3000;
  let t: TestApp;
  let tenant: TestTenant;
  let owner: Client;

  beforeAll(async () => {
    t = await TestApp.start();
    tenant = await t.signup();
    const channelId = await t.createChannel(tenant);
    const { conversation } = await t.inbound(tenant, channelId, { text: 'first words' });
    owner = await ownerClient(tenant.region);
    // Every message says "delivery"; three also carry a token of their own.
    await owner.query(
      `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at, created_at)
       select $1, $2, $3, 'inbound', 'delivery status please' || case when g % 1000 = 7 then ' zebracode' else '' end,
              'mid-plan-' || g, now() - (g || ' minutes')::interval, now()
       from generate_series(1, $4::int) g`,
      [tenant.tenantId, conversation.id, channelId, MESSAGES],
    );
    await owner.query('analyze messages');
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  /** The ids search_messages answers, and which of its two paths ran. */
  async function searchAs(query: string, candidates: number): Promise<{ ids: string[]; path: string[] }> {
    await owner.query('begin');
    try {
      await owner.query(`set local track_functions = 'pl'`);
      await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenant.tenantId]);
      // Calls not yet flushed to the cumulative statistics: read before and after.
      const calls = async () =>
        new Map(
          (
            await owner.query<{ funcname: string; calls: string }>(
              `select funcname, calls from pg_stat_xact_user_functions where funcname like 'search_messages_by_%'`,
            )
          ).rows.map((r) => [r.funcname, Number(r.calls)]),
        );
      const before = await calls();
      const { rows } = await owner.query<{ id: string }>(`select id from search_messages(websearch_to_tsquery('russian', $1), $2)`, [query, candidates]);
      const after = await calls();
      const path = [...after].filter(([name, n]) => n > (before.get(name) ?? 0)).map(([name]) => name);
      return { ids: rows.map((r) => r.id).sort(), path };
    } finally {
      await owner.query('rollback');
    }
  }

  const newest = async (word: string, n: number): Promise<string[]> =>
    (
      await owner.query<{ id: string }>(`select id from messages where tenant_id = $1 and text ilike '%' || $2 || '%' order by sent_at desc limit $3`, [
        tenant.tenantId,
        word,
        n,
      ])
    ).rows
      .map((r) => r.id)
      .sort();

  it('reads a rare word through the GIN index', async () => {
    const found = await searchAs('zebracode', 200);
    expect(found.path).toEqual(['search_messages_by_bitmap']);
    expect(found.ids).toEqual(await newest('zebracode', 200));
    expect(found.ids).toHaveLength(3);
  });

  it('finds nothing for an unknown word without reading the history', async () => {
    expect(await searchAs('xylophone', 200)).toEqual({ ids: [], path: ['search_messages_by_bitmap'] });
  });

  it('walks the newest messages for a word that is everywhere, and answers the newest matches', async () => {
    const found = await searchAs('delivery', 50);
    expect(found.path).toEqual(['search_messages_by_walk']);
    expect(found.ids).toEqual(await newest('delivery', 50));
  });

  it('serves both through the search API', async () => {
    for (const [q, count] of [
      ['zebracode', 3],
      ['delivery', 20],
    ] as const) {
      const res = await t.request('GET', `/api/search?type=messages&limit=20&q=${q}`, { token: tenant.token });
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(count);
      expect(res.body.items[0].snippet).toContain(`<mark>${q}</mark>`);
    }
  });
});
