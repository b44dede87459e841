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

  it('prepares no JIT code (the chooser EXPLAINs a statement whose cost counts the whole table: see SearchWithoutJit)', async () => {
    const { rows } = await owner.query<{ proconfig: string[] }>(`select proconfig from pg_proc where oid = 'search_messages(tsquery, int)'::regprocedure`);
    expect(rows[0].proconfig).toContain('jit=off');
    await owner.query('begin');
    try {
      // Everything over the threshold, as the chooser's EXPLAIN is at 1,000,000 messages: the answer is the same.
      await owner.query(`set local jit_above_cost = 0`);
      await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenant.tenantId]);
      const { rows: found } = await owner.query<{ id: string }>(`select id from search_messages(websearch_to_tsquery('russian', 'delivery'), 50)`);
      expect(found.map((r) => r.id).sort()).toEqual(await newest('delivery', 50));
    } finally {
      await owner.query('rollback');
    }
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

/**
 * An app with two tenants, each with `messages` messages (their text the SQL expression `textSql`
 * over g) spread evenly over the last `days` days in one conversation, and fresh statistics; the
 * second tenant says the same things, so a search that leaked across tenants would show it.
 */
async function twoSeededTenants(seed: { messages: number; days: number; idPrefix: string; textSql: string }) {
  const t = await TestApp.start();
  const tenant = await t.signup();
  const other = await t.signup();
  const owner = await ownerClient(tenant.region);
  for (const who of [tenant, other]) {
    const channelId = await t.createChannel(who);
    const { conversation } = await t.inbound(who, channelId, { text: 'first words' });
    await owner.query(
      `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at, created_at)
       select $1, $2, $3, 'inbound', ${seed.textSql}, $6::text || g, now() - (g * $5::float8 / $4 || ' days')::interval, now()
       from generate_series(1, $4::int) g`,
      [who.tenantId, conversation.id, channelId, seed.messages, seed.days, seed.idPrefix],
    );
  }
  await owner.query('analyze messages');
  return { t, tenant, owner };
}

/**
 * Words each common but rarely together (see the SearchByDay migration): read through
 * messages_day_words_idx a window of days at a time, newest first. The answer must be exactly the
 * newest `candidates` matches, newest first across the windows' boundaries, phrases checked by
 * position, erased text gone at once, and nothing of another tenant saying the same things.
 */
describe('message search: day windows for words that are common apart and rare together', () => {
  const MESSAGES = 20_000;
  const DAYS = 200;
  let t: TestApp;
  let tenant: TestTenant;
  let owner: Client;

  // "parcel" in 1 message of 4, "invoice" in 1 of 5: both in 1 of 20, as a phrase in 1 of 40
  // (the others say "invoice ... parcel").
  beforeAll(async () => {
    ({ t, tenant, owner } = await twoSeededTenants({
      messages: MESSAGES,
      days: DAYS,
      idPrefix: 'mid-days-',
      textSql: `case when g % 40 = 0 then 'invoice for the parcel' when g % 20 = 0 then 'parcel invoice' when g % 4 = 0 then 'parcel here'
        when g % 5 = 0 then 'invoice here' else 'hello there' end || case when g % 5000 = 1000 then ' quokka' else '' end`,
    }));
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  /**
   * In one transaction as the tenant (`before` runs first, then all is rolled back): the ids
   * search_messages answers in its order and which path ran, or those of search_messages_by_days
   * itself when `direct`.
   */
  async function searchAs(
    query: string,
    candidates: number,
    opts: { before?: string; direct?: boolean } = {},
  ): Promise<{ ids: string[]; path: string[]; rowsRead: number }> {
    await owner.query('begin');
    try {
      await owner.query(`set local track_functions = 'pl'`);
      await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenant.tenantId]);
      if (opts.before) await owner.query(opts.before, [tenant.tenantId]);
      const calls = async () =>
        new Map(
          (
            await owner.query<{ funcname: string; calls: string }>(
              `select funcname, calls from pg_stat_xact_user_functions where funcname like 'search_messages_by_%'`,
            )
          ).rows.map((r) => [r.funcname, Number(r.calls)]),
        );
      // Messages rows read (bitmap heap scans count here), from this transaction's statistics.
      const rowsRead = async () =>
        Number((await owner.query(`select idx_tup_fetch + seq_tup_read as n from pg_stat_xact_user_tables where relname = 'messages'`)).rows[0]?.n ?? 0);
      const before = await calls();
      const readBefore = await rowsRead();
      const { rows } = opts.direct
        ? await owner.query<{ id: string }>(
            `select h.id from (select search_day(max(sent_at)) as newest, search_day(min(sent_at)) as oldest from messages where tenant_id = $3) d,
                    search_messages_by_days(websearch_to_tsquery('russian', $1), $2, d.newest, d.oldest) h`,
            [query, candidates, tenant.tenantId],
          )
        : await owner.query<{ id: string }>(`select id from search_messages(websearch_to_tsquery('russian', $1), $2)`, [query, candidates]);
      const read = (await rowsRead()) - readBefore;
      const after = await calls();
      const path = [...after].filter(([name, n]) => n > (before.get(name) ?? 0)).map(([name]) => name);
      return { ids: rows.map((r) => r.id), path, rowsRead: read };
    } finally {
      await owner.query('rollback');
    }
  }

  /** The tenant's newest messages whose text matches `pattern` (a regular expression), newest first. */
  const newest = async (pattern: string, n: number, except: string[] = []): Promise<string[]> =>
    (
      await owner.query<{ id: string }>(`select id from messages where tenant_id = $1 and text ~ $2 and id <> all($4::uuid[]) order by sent_at desc limit $3`, [
        tenant.tenantId,
        pattern,
        n,
        except,
      ])
    ).rows.map((r) => r.id);

  it('reads two words day by day and answers the newest matches, newest first across the windows', async () => {
    const found = await searchAs('parcel invoice', 200);
    expect(found.path).toEqual(['search_messages_by_days']);
    // 200 of 1,000 matches: 40 days, so six windows (1, 2, 4, 8, 16 and 32 days).
    expect(found.ids).toEqual(await newest('parcel invoice|invoice for the parcel', 200));
  });

  it('sizes each next window by the matches per day found so far: reads little more than the newest 200 it answers', async () => {
    // 5 matches a day: windows of 1, 2, 4, 8, 16 days, then the ~12 days the ~155 found in 31 days
    // say the last ~45 need (~215 rows read). Doubling to 32 days read the 160 matches of those days
    // to keep 45 (~315 rows). The newest day is partial (by the time of day the test runs).
    const found = await searchAs('parcel invoice', 200, { direct: true });
    expect(found.ids).toEqual(await newest('parcel invoice|invoice for the parcel', 200));
    expect(found.rowsRead).toBeGreaterThanOrEqual(200);
    expect(found.rowsRead).toBeLessThanOrEqual(1.3 * 200);
  });

  it('checks a phrase by position', async () => {
    const found = await searchAs('"parcel invoice"', 120, { direct: true });
    expect(found.ids).toEqual(await newest('parcel invoice', 120));
  });

  it('no longer finds an erased message, in the same transaction', async () => {
    const [erased] = await newest('parcel invoice', 1);
    const found = await searchAs('parcel invoice', 200, { before: `update messages set text = null where tenant_id = $1 and id = '${erased}'` });
    expect(found.path).toEqual(['search_messages_by_days']);
    expect(found.ids).not.toContain(erased);
    expect(found.ids).toEqual(await newest('parcel invoice|invoice for the parcel', 200, [erased]));
  });

  it('answers every match when there are fewer than candidates: windows up to 64 days, then the bitmap over the older rest', async () => {
    const found = await searchAs('parcel invoice', 5000, { direct: true });
    expect(found.ids).toHaveLength(MESSAGES / 20);
    expect(found.ids).toEqual(await newest('parcel invoice|invoice for the parcel', 5000));
  });

  it('reads a word missing from the newest 3 days through the bitmap over the older rest', async () => {
    // In 4 messages, 10, 60, 110 and 160 days old: two empty windows, then the bitmap.
    const found = await searchAs('quokka', 200, { direct: true });
    expect(found.ids).toHaveLength(4);
    expect(found.ids).toEqual(await newest('quokka', 200));
  });

  it('serves the search API', async () => {
    const res = await t.request('GET', `/api/search?type=messages&limit=20&q=${encodeURIComponent('"parcel invoice"')}`, { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(20);
    expect(res.body.items[0].snippet).toContain('<mark>parcel</mark> <mark>invoice</mark>');
    const ids = new Set(await newest('parcel invoice', 200));
    for (const item of res.body.items) expect(ids.has(item.id)).toBe(true);
  });
});

/**
 * Phrases read through pairs of adjacent words (see the SearchPhrasePairs migration): a message
 * whose words are both there but not next to each other, or in the other order, is not even read.
 * English and Russian (stemmed: "помоги" is a form of "помогите"), across the windows' boundaries,
 * erased text gone at once, another tenant's identical messages never read.
 */
describe('message search: phrases through adjacent word pairs', () => {
  const MESSAGES = 12_000;
  const DAYS = 120;
  let t: TestApp;
  let tenant: TestTenant;
  let owner: Client;

  // 100 messages a day; each phrase adjacent in 1 of 12, its words apart (a stop word or another
  // word between) in 1 of 12 and in the other order in 1 of 12.
  const TEXTS = `case g % 12
    when 0 then 'please help with my order' when 1 then 'please do help' when 2 then 'Help, please!'
    when 3 then 'Пожалуйста, помоги с заказом' when 4 then 'пожалуйста скорее помогите' when 5 then 'помогите пожалуйста'
    when 6 then 'Пожалуйста помогите!' else 'hello there' end`;
  beforeAll(async () => {
    ({ t, tenant, owner } = await twoSeededTenants({ messages: MESSAGES, days: DAYS, idPrefix: 'mid-pairs-', textSql: TEXTS }));
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  /**
   * In one transaction as the tenant (`before` runs first, then all is rolled back): the ids
   * search_messages_by_days answers for the query (or search_messages when `chooser`), the paths
   * that ran and how many messages were read from the table.
   */
  async function searchAs(
    query: string,
    candidates: number,
    opts: { before?: string; chooser?: boolean } = {},
  ): Promise<{ ids: string[]; path: string[]; read: number }> {
    await owner.query('begin');
    try {
      await owner.query(`set local track_functions = 'pl'`);
      await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenant.tenantId]);
      if (opts.before) await owner.query(opts.before, [tenant.tenantId]);
      // Counts of this transaction not yet flushed to the cumulative statistics: read before and after.
      const counts = async () => {
        const { rows } = await owner.query<{ name: string; n: string }>(
          `select funcname as name, calls as n from pg_stat_xact_user_functions where funcname like 'search_messages_by_%'
           union all select 'read', idx_tup_fetch + seq_tup_read from pg_stat_xact_user_tables where relname = 'messages'`,
        );
        return new Map(rows.map((r) => [r.name, Number(r.n)]));
      };
      const [days] = (
        await owner.query<{ newest: number; oldest: number }>(
          `select search_day(max(sent_at)) as newest, search_day(min(sent_at)) as oldest from messages where tenant_id = $1`,
          [tenant.tenantId],
        )
      ).rows;
      const before = await counts();
      const { rows } = opts.chooser
        ? await owner.query<{ id: string }>(`select id from search_messages(websearch_to_tsquery('russian', $1), $2)`, [query, candidates])
        : await owner.query<{ id: string }>(`select id from search_messages_by_days(websearch_to_tsquery('russian', $1), $2, $3, $4)`, [
            query,
            candidates,
            days.newest,
            days.oldest,
          ]);
      const after = await counts();
      const grew = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      const path = [...after.keys()].filter((name) => name !== 'read' && grew(name) > 0);
      return { ids: rows.map((r) => r.id), path, read: grew('read') };
    } finally {
      await owner.query('rollback');
    }
  }

  /** The tenant's newest messages whose text matches `pattern` (a regular expression), newest first; `days`: only those of the newest days. */
  const newest = async (pattern: string, n: number, opts: { except?: string[]; days?: number } = {}): Promise<string[]> =>
    (
      await owner.query<{ id: string }>(
        `select id from messages
         where tenant_id = $1 and text ~ $2 and id <> all($4::uuid[])
           and search_day(sent_at) > (select search_day(max(sent_at)) from messages where tenant_id = $1) - $5
         order by sent_at desc limit $3`,
        [tenant.tenantId, pattern, n, opts.except ?? [], opts.days ?? 1_000_000],
      )
    ).rows.map((r) => r.id);

  /**
   * Only messages with the phrase are read, and the windows are sized by the matches per day found
   * so far: a little more than the `n` answered (the newest day is partial: how much depends on the
   * time of day the test runs).
   */
  const expectReadAbout = (read: number, n: number) => {
    expect(read).toBeGreaterThanOrEqual(n);
    expect(read).toBeLessThanOrEqual(1.3 * n);
  };

  const ENGLISH = '^please help';
  const RUSSIAN = '^Пожалуйста,? помоги';

  it('indexes each word and each pair of adjacent words, per tenant and day', async () => {
    const { rows } = await owner.query<{ terms: string[]; suffix: string }>(
      `select tsvector_to_array(search_day_terms($1, now(), to_tsvector('russian', $2))) as terms, search_day_suffix($1, search_day(now())) as suffix`,
      [tenant.tenantId, 'Please do help: please help! Пожалуйста, помогите'],
    );
    const [{ terms, suffix }] = rows;
    expect(terms.map((term) => term.slice(0, -suffix.length)).sort()).toEqual(
      ['help', 'pleas', 'пожалуйст', 'помог', 'help pleas', 'pleas help', 'help пожалуйст', 'пожалуйст помог'].sort(),
    );
    expect(terms.every((term) => term.endsWith(suffix))).toBe(true);
  });

  it('reads an English phrase through its pair: only messages with the words adjacent, newest first across the windows', async () => {
    // 100 of ~8 a day: windows of 1, 2, 4 and 8 days or fewer (as the matches per day found say), ~12 days.
    const found = await searchAs('"please help"', 100);
    expect(found.ids).toEqual(await newest(ENGLISH, 100));
    expectReadAbout(found.read, 100);
    // The same words not as a phrase: every message with both, whatever their order or distance.
    const words = await searchAs('please help', 100);
    expect(words.ids).toEqual(await newest('please', 100));
  });

  it('reads a Russian phrase through its pair, any word form', async () => {
    // 150 of ~17 a day: windows of 1, 2 and 4 days, then the ~3 the matches found per day say are
    // still needed (doubling to 8 read the 235-250 phrases of 15 days).
    const found = await searchAs('"пожалуйста помогите"', 150);
    expect(found.ids).toEqual(await newest(RUSSIAN, 150));
    expect(found.ids).toEqual(expect.arrayContaining(await newest('помоги с', 10)));
    expectReadAbout(found.read, 150);
  });

  it('no longer finds an erased message, in the same transaction', async () => {
    const [erased] = await newest(ENGLISH, 1);
    const found = await searchAs('"please help"', 100, { before: `update messages set text = null where tenant_id = $1 and id = '${erased}'` });
    expect(found.ids).not.toContain(erased);
    expect(found.ids).toEqual(await newest(ENGLISH, 100, { except: [erased] }));
  });

  it('answers the same through search_messages and the search API, snippets marking the phrase', async () => {
    // Which path the chooser takes depends on the statistics of every tenant's messages in this database.
    const found = await searchAs('"пожалуйста помогите"', 200, { chooser: true });
    expect(found.path).toHaveLength(1);
    expect(new Set(found.ids)).toEqual(new Set(await newest(RUSSIAN, 200)));

    const res = await t.request('GET', `/api/search?type=messages&limit=20&q=${encodeURIComponent('"please help"')}`, { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(20);
    const ids = new Set(await newest(ENGLISH, 200));
    for (const item of res.body.items) {
      expect(ids.has(item.id)).toBe(true);
      expect(item.snippet).toContain('<mark>please</mark> <mark>help</mark>');
    }
  });
});
