/**
 * Search benchmark (a script that prints figures, not a test): `npm run bench:search`.
 *
 * Starts the real app (src/main.ts, workers off) as a child process on fresh databases
 * (DATABASE_URL's server, or an embedded PostgreSQL when unset), so the load generator does not
 * share its event loop; seeds one tenant with BENCH_MESSAGES messages (English and Russian words, a
 * few very common, most rarer, some unique) spread over conversations, and measures scenario groups
 * over loopback HTTP at BENCH_CONCURRENCY clients. Each HTTP scenario is measured next to its plain
 * SQL: the same statements the app sends, straight through `pg` as the app role (row-level security
 * applies), prepared and run with their generic plan as the app runs them, back to back so drift
 * affects both sides alike. Every row gives the CPU milliseconds per request of the app and of
 * PostgreSQL (this database's backends, from /proc), which a busy machine inflates far less than
 * latencies.
 *
 * Groups: `search` (GET /api/search: common, medium and rare words, Russian word forms, a phrase,
 * no match), plus the floors (/health, an authenticated request refused before any query).
 *
 * PostgreSQL over a Unix socket: give DATABASE_URL the socket's directory as its host
 * (postgres://postgres@%2Fvar%2Frun%2Fpostgresql:5432/postgres); the app and the SQL rows then
 * use it too. The header says which.
 *
 * Knobs (environment): BENCH_MESSAGES (1,000,000), BENCH_PER_CONVERSATION (50),
 * BENCH_REQUESTS (1000 per scenario), BENCH_APP_WARMUP (1000 searches before the first row), BENCH_CONCURRENCY (10), BENCH_CPU_PROFILE (a path: a CPU
 * profile of the app during the HTTP row whose name contains BENCH_CPU_PROFILE_ROW, default
 * `common word`; read it with bench/profile-summary.ts). Only 127.0.0.1 and the database server
 * are contacted; every loop is bounded in count and time.
 */
import { createHash, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool, type PoolClient } from 'pg';
import { appRoleUrl } from '../src/database/migrate';
import { TEXTS_STATEMENT, textsValues } from '../src/search/search.store';
import { appPeakRssLine } from './app-memory';
import { BenchEnvironment, describeServer, readBenchAppOptions, signUpEuOwner, transport } from './bench-environment';
import { benchKnobs, recordPrintedFigures } from './bench-results';
import { stopProfile } from './cpu-profile';
import { type Stats, envInt, loopbackClient, measure as measureLoad, note, percentile } from './load-loop';
import { type RequestCpu, withRequestCpu } from './request-cpu';
import { runScript } from './run-script';
import { seedContacts } from './seed-contacts';

const MESSAGES = envInt('BENCH_MESSAGES', 1_000_000, 10_000, 10_000_000);
const PER_CONVERSATION = envInt('BENCH_PER_CONVERSATION', 50, 1, 1000);
const REQUESTS = envInt('BENCH_REQUESTS', 1000, 50, 100_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 10, 1, 100);
const WARMUP = 100;
/**
 * Searches (every scenario's queries in turn) before the first measured row, as the triage half
 * does: a server that has run a while has compiled its hot paths and sized its heap, and the
 * floors measured first paid that otherwise (2-3 ms of app CPU a /health in session 33's runs).
 */
const APP_WARMUP = envInt('BENCH_APP_WARMUP', 1000, 0, 100_000);
/** A scenario stops here even if it has not sent all its requests (then n says how many it did). */
const SCENARIO_BOUND_MS = 60_000;
const RUN_BOUND_MS = 1_800_000;
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;
const CPU_PROFILE_ROW = process.env.BENCH_CPU_PROFILE_ROW ?? 'common word';

const LOAD = { concurrency: CONCURRENCY, boundMs: SCENARIO_BOUND_MS, warmup: 0 };
const { agent, expectStatus, expectStatusOnly } = loopbackClient(CONCURRENCY);

// ---------------------------------------------------------------------------------------------
// What a group of scenarios gets to work with.

interface BenchContext {
  port: number;
  token: string;
  tenantId: string;
  userId: string;
  channelId: string;
  /** The database owner, in the tenant's region. */
  owner: Pool;
  /** The app role, with app.tenant_id set on every connection: SQL as the app would send it. */
  sql: Pool;
}

interface Scenario {
  name: string;
  /** The HTTP request (path with query) for the i-th operation. */
  path: (i: number) => string;
  /** The same work as plain SQL, statement by statement; each must answer at least `minRows` rows where given. */
  statements: (i: number) => Array<{ text: string; values: unknown[]; minRows?: number }>;
  /** Checks one HTTP answer (the first of the run), e.g. that it found what it should. */
  check?: (body: any) => void;
  /** A search query of the scenario: how many messages it matches is printed with it. */
  sample?: string;
}

interface ScenarioGroup {
  title: string;
  /** Seeds what the group needs (the messages are there already). */
  prepare?: (ctx: BenchContext) => Promise<void>;
  scenarios: (ctx: BenchContext) => Scenario[];
  /** p95 target of the HTTP scenarios, in ms, printed next to the figures. */
  targetP95Ms?: number;
}

// ---------------------------------------------------------------------------------------------
// Seeding: set-based, as the database owner. Words: a few common ones in many messages, a long
// tail, and a unique token per conversation; half the conversations in Russian.

const EN = [
  'order',
  'delivery',
  'refund',
  'invoice',
  'payment',
  'parcel',
  'address',
  'discount',
  'account',
  'password',
  'subscription',
  'warranty',
  'receipt',
  'courier',
  'tracking',
];
const RU = [
  'заказ',
  'доставка',
  'возврат',
  'оплата',
  'посылка',
  'адрес',
  'скидка',
  'курьер',
  'гарантия',
  'подписка',
  'чек',
  'счёт',
  'пароль',
  'кабинет',
  'трек',
];
const FILLER_EN = ['hello', 'please', 'help', 'where', 'is', 'my', 'the', 'when', 'will', 'arrive', 'thanks', 'today', 'tomorrow', 'again', 'still', 'waiting'];
const FILLER_RU = ['здравствуйте', 'пожалуйста', 'помогите', 'где', 'мой', 'когда', 'придёт', 'спасибо', 'сегодня', 'завтра', 'снова', 'всё', 'ещё', 'жду'];

async function seedMessages(owner: PoolClient, tenantId: string, channelId: string): Promise<void> {
  const conversations = Math.ceil(MESSAGES / PER_CONVERSATION);
  await owner.query('begin');
  await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
  await owner.query(`insert into channels (tenant_id, id, kind, name) values ($1, $2, 'messenger', 'Bench page')`, [tenantId, channelId]);
  await owner.query(
    `create temp table seed_conv on commit drop as
     select g, gen_random_uuid() as contact_id, gen_random_uuid() as conversation_id, g % 2 = 0 as russian,
            date_trunc('milliseconds', now() - random() * interval '180 days') as at
     from generate_series(1, $1::int) g`,
    [conversations],
  );
  await seedContacts(owner, { tenantId, table: 'seed_conv', name: `case when russian then 'Клиент ' else 'Customer ' end`, channelId });
  await owner.query(
    `insert into conversations (tenant_id, id, contact_id, channel_id, status, last_message_at, last_inbound_at, created_at, updated_at)
     select $1, conversation_id, contact_id, $2, 'open', at, at, at, at from seed_conv`,
    [tenantId, channelId],
  );
  // Index maintenance row by row would dominate the seed: the search indexes are built once after it.
  const searchIndexes = (
    await owner.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where tablename = 'messages' and indexname = any($1)`,
      [['messages_search_idx', 'messages_recent_idx', 'messages_day_words_idx']],
    )
  ).rows;
  for (const { indexname } of searchIndexes) await owner.query(`drop index ${indexname}`);
  // Each message: 8 words. A "topic" word from a Zipf-like pick (order/заказ in about a third)
  // and another uniformly, fillers, and in 1 message of 20 a token unique to its conversation: sku<g>.
  await owner.query(
    `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at, created_at)
     select $1, c.conversation_id, $2, case when m % 3 = 0 then 'outbound' else 'inbound' end,
            (select string_agg(case
                      when w = 1 then (case when c.russian then $4::text[] else $3::text[] end)[1 + floor(15 * power(random(), 2.5))::int]
                      when w = 2 and m % 20 = 0 then 'sku' || c.g
                      when w = 5 then (case when c.russian then $4::text[] else $3::text[] end)[1 + floor(random() * 15)::int]
                      else (case when c.russian then $6::text[] else $5::text[] end)[1 + floor(random() * 14)::int] end, ' ')
             from generate_series(1, 8) w where m > 0),
            'mid-bench-' || c.g || '-' || m, c.at - (m || ' minutes')::interval, c.at - (m || ' minutes')::interval
     from seed_conv c cross join generate_series(1, $7::int) m`,
    [tenantId, channelId, EN, RU, FILLER_EN, FILLER_RU, PER_CONVERSATION],
  );
  await owner.query('commit');
  note('building the search indexes');
  for (const { indexdef } of searchIndexes) await owner.query(indexdef);
  await owner.query('vacuum (analyze) contacts, contact_identities, conversations, messages, notes');
}

// ---------------------------------------------------------------------------------------------
// The search group: the statement SearchStore.texts sends (src/search/search.store.ts).

const searchStatements = (tenantId: string, q: string, limit: number, minRows: number) => [
  { text: TEXTS_STATEMENT, values: textsValues(tenantId, q, limit, null), minRows },
];

function searchScenario(name: string, queries: (i: number) => string, minRows = 1): (ctx: BenchContext) => Scenario {
  return (ctx) => ({
    name,
    path: (i) => `/api/search?type=messages&limit=20&q=${encodeURIComponent(queries(i))}`,
    statements: (i) => searchStatements(ctx.tenantId, queries(i), 20, minRows),
    check: (body) => {
      if (minRows > 0 && !(body.items?.length >= minRows)) throw new Error(`${name}: expected hits, got ${JSON.stringify(body).slice(0, 300)}`);
      if (minRows > 0 && !String(body.items[0].snippet).includes('<mark>')) throw new Error(`${name}: no highlight in ${body.items[0].snippet}`);
    },
    sample: queries(0),
  });
}

const conversationsCount = () => Math.ceil(MESSAGES / PER_CONVERSATION);
const SEARCH: ScenarioGroup = {
  title: `GET /api/search?type=messages&limit=20 (${MESSAGES.toLocaleString('en-US')} messages)`,
  targetP95Ms: 50,
  scenarios: (ctx) =>
    [
      searchScenario('common word: order', () => 'order'),
      searchScenario('Russian word form: заказы', () => 'заказы'),
      searchScenario('tail words: tracking, трек, warranty, гарантия', (i) => ['tracking', 'трек', 'warranty', 'гарантия'][i % 4]),
      // A different conversation's token each time: each query finds that conversation's few messages.
      searchScenario('rare token: sku<n>', (i) => `sku${1 + ((i * 7919) % conversationsCount())}`),
      searchScenario('phrase: "please help" / "пожалуйста помогите"', (i) => (i % 2 ? '"пожалуйста помогите"' : '"please help"')),
      searchScenario('two words: refund courier / возврат курьер', (i) => (i % 2 ? 'возврат курьер' : 'refund courier')),
      searchScenario('no match: xylophone', () => 'xylophone', 0),
    ].map((s) => s(ctx)),
};

/** Every group this bench runs. */
const GROUPS: ScenarioGroup[] = [SEARCH];

/** A prepared statement's name for its text. */
const statementName = (text: string) => `bench_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;

// ---------------------------------------------------------------------------------------------
// Output.

type Row = Stats & { cpu: RequestCpu };

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const rps = (s: Stats) => s.n / s.seconds;
const WIDTHS = [50, 6, 7, 8, 8, 8, 7, 7, 7, 9, 9, 10];

function row(label: string, s: Row, extra: string[] = []): string {
  return [
    label.padEnd(WIDTHS[0]),
    String(s.n).padStart(WIDTHS[1]),
    Math.round(rps(s)).toLocaleString('en-US').padStart(WIDTHS[2]),
    ...[50, 95, 99].map((p) => fmt(percentile(s.lat, p)).padStart(8)),
    fmt(s.cpu.app).padStart(WIDTHS[6]),
    fmt(s.cpu.postgres).padStart(WIDTHS[7]),
    fmt(s.cpu.client).padStart(WIDTHS[8]),
    ...extra.map((e, i) => e.padStart(WIDTHS[9 + i])),
  ].join(' ');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  recordPrintedFigures('search', benchKnobs());
  const t0 = performance.now();
  const phases: string[] = [];
  const phase = (name: string, since: number) => phases.push(`${name} ${((performance.now() - since) / 1000).toFixed(1)} s`);
  const bench = new BenchEnvironment('mm_bench_search', RUN_BOUND_MS);
  let sqlPool: Pool | undefined;
  bench.onCleanup(() => {
    agent.destroy();
    return sqlPool?.end();
  });
  return bench.run(async () => {
    const { dbs, app, owner } = await bench.start({ max: 3 }, readBenchAppOptions(CPU_PROFILE));
    const port = app.port;
    phase('databases + app start', t0);

    const tSeed = performance.now();
    const account = await signUpEuOwner(app.url);
    const channelId = randomUUID();
    note(`seeding ${MESSAGES.toLocaleString('en-US')} messages`);
    const seeder = await owner.connect();
    let version: string;
    try {
      await seedMessages(seeder, account.tenant.id, channelId);
      version = (await seeder.query(`select current_setting('server_version') as version`)).rows[0].version;
    } finally {
      seeder.release();
    }
    phase(`seed ${MESSAGES.toLocaleString('en-US')} messages`, tSeed);

    sqlPool = new Pool({
      connectionString: appRoleUrl(dbs.urls.eu, { name: bench.env.DATABASE_APP_ROLE!, password: bench.env.DATABASE_APP_PASSWORD! }),
      max: CONCURRENCY,
      // Prepared, generic plan: as the app runs the search statements (SearchStore, tenant-statement.ts).
      options: `-c app.tenant_id=${account.tenant.id} -c plan_cache_mode=force_generic_plan`,
    });
    const ctx: BenchContext = {
      port,
      token: account.accessToken,
      tenantId: account.tenant.id,
      userId: account.user.id,
      channelId,
      owner,
      sql: sqlPool,
    };

    let profiled = false;
    const measure = async (name: string, op: (i: number) => Promise<void>, http = false): Promise<Row> => {
      await measureLoad(`${name} (warm-up)`, op, Math.min(WARMUP, REQUESTS), LOAD);
      const profiling = http && CPU_PROFILE !== undefined && !profiled && name.includes(CPU_PROFILE_ROW);
      if (profiling) {
        profiled = true;
        process.kill(app.pid!, 'SIGWINCH');
      }
      try {
        return await withRequestCpu(app.pid!, owner, () => measureLoad(name, op, REQUESTS, LOAD));
      } finally {
        if (profiling) await stopProfile(app.pid!, CPU_PROFILE!);
      }
    };

    const tMeasure = performance.now();
    const scenarios = GROUPS.flatMap((g) => g.scenarios(ctx));
    if (APP_WARMUP > 0)
      await measureLoad(
        'the app (warm-up, searches)',
        async (i) => void (await expectStatusOnly(port, scenarios[i % scenarios.length].path(Math.floor(i / scenarios.length)), 200, ctx.token)),
        APP_WARMUP,
        LOAD,
      );
    const health = await measure('GET /health', async () => void (await expectStatusOnly(port, '/health', 200)), true);
    const noDb = await measure(
      'GET /api/search?limit=0 (400)',
      async () => void (await expectStatusOnly(port, '/api/search?q=x&limit=0', 400, ctx.token)),
      true,
    );
    const results: Array<{ group: ScenarioGroup; pairs: Array<{ http: Row; sql: Row }> }> = [];
    for (const group of GROUPS) {
      if (group.prepare) await group.prepare(ctx);
      const pairs: Array<{ http: Row; sql: Row }> = [];
      for (const s of group.scenarios(ctx)) {
        if (s.sample !== undefined) {
          const c = await owner.connect();
          try {
            await c.query(`select set_config('app.tenant_id', $1, false)`, [ctx.tenantId]);
            const [{ n }] = (await c.query(`select count(*)::int as n from messages where search_vector @@ websearch_to_tsquery('russian', $1)`, [s.sample]))
              .rows;
            s.name = `${s.name} (${n.toLocaleString('en-US')} hits)`;
          } finally {
            c.release();
          }
        }
        s.check?.(JSON.parse(await expectStatus(port, s.path(0), 200, ctx.token)));
        const http = await measure(s.name, async (i) => void (await expectStatusOnly(port, s.path(i), 200, ctx.token)), true);
        const sql = await measure(`SQL ${s.name}`, async (i) => {
          for (const st of s.statements(i)) {
            const { rowCount } = await sqlPool!.query({ name: statementName(st.text), text: st.text, values: st.values });
            if (st.minRows && (rowCount ?? 0) < st.minRows) throw new Error(`SQL ${s.name}: ${rowCount} rows`);
          }
        });
        pairs.push({ http, sql });
      }
      results.push({ group, pairs });
    }
    phase('measurements', tMeasure);

    const header = ['', 'n', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'app ms', 'pg ms', 'load ms', 'p50÷SQL', 'p95÷SQL', 'target'];
    const lines = [
      `\nSearch bench: ${MESSAGES.toLocaleString('en-US')} messages in ${conversationsCount().toLocaleString('en-US')} conversations of one tenant, ` +
        `${REQUESTS} requests per row after ${WARMUP} warm-up (and ${APP_WARMUP} searches before the first row), concurrency ${CONCURRENCY}, loopback, the app in a child process`,
      `Node ${process.version}, ${cpus().length} CPU × ${cpus()[0]?.model.trim()}, PostgreSQL ${version} (${describeServer()}, reached over ${transport(dbs.urls.eu)})`,
      'app ms, pg ms, load ms: CPU milliseconds per request of the app process, of the PostgreSQL backends of this database and of',
      'the load generator (this process): on 2 cores, 10 closed-loop clients wait about 10 × their sum / 2 at the median',
      '',
      header.map((h, i) => (i === 0 ? h.padEnd(WIDTHS[i]) : h.padStart(WIDTHS[i]))).join(' '),
      'Floors',
      row('  GET /health', health),
      row('  GET /api/search?limit=0 → 400 (auth, no DB)', noDb),
    ];
    const verdicts: string[] = [];
    for (const { group, pairs } of results) {
      lines.push(group.title);
      for (const { http, sql } of pairs) {
        const p95 = percentile(http.lat, 95);
        const met = group.targetP95Ms === undefined ? '' : p95 < group.targetP95Ms ? `<${group.targetP95Ms} ok` : `>${group.targetP95Ms} MISS`;
        if (group.targetP95Ms !== undefined && p95 >= group.targetP95Ms) verdicts.push(http.name);
        lines.push(
          row(`  ${http.name}`, http, [`${fmt(percentile(http.lat, 50) / percentile(sql.lat, 50))}×`, `${fmt(p95 / percentile(sql.lat, 95))}×`, met]),
          row(`    same SQL, as the app role`, sql),
        );
      }
    }
    lines.push('', verdicts.length ? `target missed by: ${verdicts.join('; ')}` : 'target met by every query');
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stdout.write(appPeakRssLine(app.pid!, false));
    process.stdout.write(`\n${phases.join(', ')}; total ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  });
}

runScript(main);
