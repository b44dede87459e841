/**
 * Conversations list benchmark (a script that prints figures, not a test): `npm run bench:conversations`.
 *
 * Starts the real app (src/main.ts, workers off) as a child process on fresh databases
 * (DATABASE_URL's server, or an embedded PostgreSQL when unset), seeds one tenant with
 * BENCH_CONVERSATIONS conversations, and measures GET /api/conversations over loopback HTTP from
 * this process (so the load generator does not share the app's event loop): first page, deep pages
 * by cursor, status filter, assignee filter. Target: p95 < 15 ms at 10 clients.
 *
 * Measured in the same run, as floors: GET /health, an authenticated request the validation pipe
 * refuses before any query (everything but the database), and the statement the app issues
 * (triageListSql) sent straight through `pg` as the app role, once alone (one round trip) and once
 * wrapped as the app wraps it (begin, set_config, the statement, commit). Each row also gives the
 * app's CPU time per request (user + system, from /proc) and PostgreSQL's, and each HTTP row the
 * statements the app sent per request (counted by the app over a few more requests, query-stats.preload.js).
 *
 * Knobs (environment): BENCH_REQUESTS (2000 per row), BENCH_CONCURRENCY (10), BENCH_CONVERSATIONS
 * (10000), BENCH_PLAN (1: print the first page's plan), BENCH_CPU_PROFILE (a path: writes a CPU profile of the app during the first-page row,
 * or the HTTP row whose name BENCH_CPU_PROFILE_ROW names, e.g. `limit=0`; see bench/profile-summary.ts). Only 127.0.0.1 and the database server are contacted; every loop
 * is bounded in count and time. Figures go to bench/results/conversations-list.json.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool, type PoolClient } from 'pg';
import { decodeCursor, encodeCursor } from '../src/common/cursor';
import { type TriageFilter, triageListSql } from '../src/conversations/triage.store';
import { appRoleUrl } from '../src/database/migrate';
import { BenchEnvironment, describeServer, signUpEuOwner, sleep } from './bench-environment';
import { appPeakRssLine, peakRssMiB } from './app-memory';
import { writeResults } from './bench-results';
import { stopProfile } from './cpu-profile';
import { statementCalls, statementWindow } from './query-stats';
import { type RequestCpu, withRequestCpu } from './request-cpu';
import { type Stats, envInt, loopbackClient, measure as measureLoad, note, percentile } from './load-loop';
import { runScript } from './run-script';
import { seedContacts } from './seed-contacts';

const REQUESTS = envInt('BENCH_REQUESTS', 2000, 100, 100_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 10, 1, 100);
const CONVERSATIONS = envInt('BENCH_CONVERSATIONS', 10_000, 1_000, 1_000_000);
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;
/** The HTTP row the profile covers: the first whose name contains this. */
const CPU_PROFILE_ROW = process.env.BENCH_CPU_PROFILE_ROW ?? 'first page';
const PAGE_SIZE = 25;
const DEEP_FROM_PAGE = 50;
const DEEP_CURSORS = 200;
/** Not recorded: JIT, pool connections, PostgreSQL's caches and plans. */
const WARMUP = Math.min(200, REQUESTS);
/** A scenario stops here even if it has not sent all its requests (then n says how many it did). */
const SCENARIO_BOUND_MS = 60_000;
const RUN_BOUND_MS = 600_000;
const TARGET_P95_MS = 15;
/** Each HTTP row's statements are counted by the app (query-stats.preload.js) over this many more requests, apart from the measured ones: counting costs CPU of its own. */
const COUNTED = 500;
const QUERY_STATS = join(tmpdir(), `mm-list-query-stats-${process.pid}.json`);

const LOAD = { concurrency: CONCURRENCY, boundMs: SCENARIO_BOUND_MS, warmup: WARMUP };
const { agent, expectStatus, expectStatusOnly } = loopbackClient(CONCURRENCY);

interface ListQuery {
  status?: string;
  assigneeId?: string;
  cursor?: string;
}

function listPath(q: ListQuery): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, v);
  return `/api/conversations?${params}`;
}

/** The statement the app issues for `q` (triage.store.ts), as the app's TriageService builds its filter. */
function listSql(tenantId: string, viewerId: string, q: ListQuery) {
  const filter: TriageFilter = { sort: 'last_activity', status: q.status as TriageFilter['status'], assigneeId: q.assigneeId };
  return triageListSql(tenantId, viewerId, filter, { limit: PAGE_SIZE, after: decodeCursor(q.cursor) });
}

// ---------------------------------------------------------------------------------------------
// Seeding: set-based, as the database owner, in one transaction.

async function seed(owner: PoolClient, tenantId: string, ownerUserId: string): Promise<void> {
  const channelId = randomUUID();
  await owner.query('begin');
  // The tables force row-level security, which binds their owner too unless it is a superuser.
  await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
  await owner.query(`insert into channels (tenant_id, id, kind, name) values ($1, $2, 'messenger', 'Bench Messenger page')`, [tenantId, channelId]);
  // Statuses 50% open, 20% pending, 10% snoozed, 20% resolved; every third assigned to the owner;
  // last activity spread at random over 90 days, so page boundaries fall anywhere.
  await owner.query(`
    create temp table seed on commit drop as
    select g,
           gen_random_uuid() as contact_id,
           gen_random_uuid() as conversation_id,
           (array['open','open','open','open','open','pending','pending','snoozed','resolved','resolved'])[1 + g % 10] as status,
           case when g % 3 = 0 then '${ownerUserId}'::uuid end as assignee_id,
           date_trunc('milliseconds', now() - random() * interval '90 days') as at
    from generate_series(1, ${CONVERSATIONS}) g`);
  const t = [tenantId, channelId];
  await seedContacts(owner, { tenantId, table: 'seed', channelId });
  await owner.query(
    `insert into conversations (tenant_id, id, contact_id, channel_id, status, assignee_id, last_message_at, last_inbound_at, created_at, updated_at)
    select $1, conversation_id, contact_id, $2, status, assignee_id, at, at, at, at from seed`,
    t,
  );
  await owner.query(
    `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at, created_at)
    select $1, conversation_id, $2, 'inbound', 'Hello, where is my order #' || g || '?', 'mid-bench-' || g, at, at from seed`,
    t,
  );
  await owner.query('commit');
  // Fresh statistics and visibility map, as a table in service would have; keeps autovacuum out of the measurements.
  await owner.query('vacuum (analyze) contacts, contact_identities, conversations, messages');
}

/** Cursors of pages DEEP_FROM_PAGE and beyond, spread over the whole list, as nextCursor would give them. */
async function deepCursors(owner: PoolClient, tenantId: string): Promise<string[]> {
  await owner.query('begin');
  await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
  const { rows } = await owner.query<{ at: Date; id: string }>(
    `select last_message_at as at, id from (
       select last_message_at, id, row_number() over (order by last_message_at desc, id desc) as n from conversations where tenant_id = $1) x
     where n >= $2 and n <= $5 and n % $3 = 0 order by n limit $4`,
    [tenantId, DEEP_FROM_PAGE * PAGE_SIZE, PAGE_SIZE, DEEP_CURSORS * 50, CONVERSATIONS - PAGE_SIZE],
  );
  await owner.query('commit');
  const step = Math.max(1, Math.floor(rows.length / DEEP_CURSORS));
  return rows.filter((_, i) => i % step === 0).map((r) => encodeCursor({ at: r.at, id: r.id }));
}

// ---------------------------------------------------------------------------------------------
// Measuring: latency from the client, CPU time from /proc.

interface Row extends Stats {
  /** CPU milliseconds per request: the app's, PostgreSQL's (this database's backends) and this load generator's. */
  cpu: RequestCpu;
  /** Statements the app sent per request (HTTP rows; a statement batched with its set_config in one round trip counts once). */
  statements?: number;
}

function measurer(appPid: number, owner: Pool) {
  return async (name: string, op: (i: number) => Promise<void>): Promise<Row> => {
    await measureLoad(`${name} (warm-up)`, op, WARMUP, { ...LOAD, warmup: 0 });
    return withRequestCpu(appPid, owner, () => measureLoad(name, op, REQUESTS, { ...LOAD, warmup: 0 }));
  };
}

/** PostgreSQL's own account of one execution of a statement: planning and execution milliseconds. */
async function explain(pool: Pool, q: { text: string; values: unknown[] }): Promise<{ planningMs: number; executionMs: number }> {
  const { rows } = await pool.query(`explain (analyze, format json) ${q.text}`, q.values);
  const [plan] = rows[0]['QUERY PLAN'] as Array<{ 'Planning Time': number; 'Execution Time': number }>;
  return { planningMs: plan['Planning Time'], executionMs: plan['Execution Time'] };
}

interface Pair {
  http: Row;
  sql: Row;
  sqlTx: Row;
  plan: { planningMs: number; executionMs: number };
}

// ---------------------------------------------------------------------------------------------
// Output.

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const rps = (s: Stats) => s.n / s.seconds;
const p = (s: Stats, q: number) => percentile(s.lat, q);

function line(label: string, s: Row, ratios: string[] = []): string {
  return [
    label.padEnd(48),
    String(s.n).padStart(6),
    Math.round(rps(s)).toLocaleString('en-US').padStart(7),
    ...[50, 95, 99].map((q) => fmt(p(s, q)).padStart(7)),
    fmt(s.cpu.app).padStart(7),
    fmt(s.cpu.postgres).padStart(7),
    (s.statements === undefined ? '' : fmt(s.statements)).padStart(6),
    ...ratios.map((r) => r.padStart(9)),
  ].join(' ');
}

function printTable(floors: Array<[string, Row]>, pairs: Pair[]): void {
  const ratio = (a: Stats, b: Stats, q: number) => `${fmt(p(a, q) / p(b, q))}×`;
  const noDb = floors[1][1];
  const header = ['', 'n', 'req/s', 'p50', 'p95', 'p99', 'app ms', 'pg ms', 'stmts', 'p95÷SQL', 'p95÷SQLtx', 'p95÷noDB'];
  const widths = [48, 6, 7, 7, 7, 7, 7, 7, 6, 9, 9, 9];
  const lines = [
    'Latencies in ms. app ms, pg ms: CPU milliseconds per request of the app process and of the PostgreSQL backends',
    "of this database. SQL: the app's statement alone, prepared, generic plan (app.tenant_id set per connection); SQL in tx: unprepared",
    'and wrapped as the app ran it before statementForTenant (begin, set_config, statement, commit: four round trips).',
    `stmts: statements the app sent per request, counted over ${COUNTED} more requests (one batched with its set_config counts once).`,
    header.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : h.padStart(widths[i]))).join(' '),
    'Floors',
    ...floors.map(([label, s]) => line(`  ${label}`, s)),
    ...pairs.map(({ sql }) => line(`  SQL: ${sql.name}`, sql)),
    ...pairs.map(({ sqlTx }) => line(`  SQL in tx: ${sqlTx.name}`, sqlTx)),
    `GET /api/conversations?limit=${PAGE_SIZE} (target p95 < ${TARGET_P95_MS} ms)`,
    ...pairs.map(({ http, sql, sqlTx }) => line(`  ${http.name}`, http, [ratio(http, sql, 95), ratio(http, sqlTx, 95), ratio(http, noDb, 95)])),
    'EXPLAIN ANALYZE of the statement, one execution after the rows above (ms)',
    ...pairs.map(({ http, plan }) => `  ${http.name.padEnd(46)} planning ${fmt(plan.planningMs)}, execution ${fmt(plan.executionMs)}`),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

const summary = (s: Row) => ({
  n: s.n,
  reqPerSecond: rps(s),
  p50Ms: p(s, 50),
  p95Ms: p(s, 95),
  p99Ms: p(s, 99),
  cpuMsPerRequest: s.cpu,
  ...(s.statements === undefined ? {} : { statementsPerRequest: s.statements }),
});

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const t0 = performance.now();
  const bench = new BenchEnvironment('mm_bench_list', RUN_BOUND_MS);
  let sqlPool: Pool | undefined;
  bench.onCleanup(() => {
    agent.destroy();
    return sqlPool?.end();
  });
  return bench.run(async () => {
    const profile = CPU_PROFILE ? { nodeArgs: ['-r', join(__dirname, 'cpu-profile.preload.js')], env: { BENCH_CPU_PROFILE: CPU_PROFILE } } : {};
    const { dbs, app, owner } = await bench.start(
      { max: 3 },
      {
        nodeArgs: [...(profile.nodeArgs ?? []), '-r', join(__dirname, 'query-stats.preload.js')],
        env: { ...profile.env, WORKERS: 'off', BENCH_QUERY_STATS: QUERY_STATS },
      },
    );
    const port = app.port;

    const { accessToken: token, tenant, user } = await signUpEuOwner(app.url);

    const tSeed = performance.now();
    const seeder = await owner.connect();
    let cursors: string[];
    let version: string;
    try {
      await seed(seeder, tenant.id, user.id);
      cursors = await deepCursors(seeder, tenant.id);
      version = (await seeder.query(`select current_setting('server_version') as version`)).rows[0].version;
    } finally {
      seeder.release();
    }
    note(`seeded ${CONVERSATIONS.toLocaleString('en-US')} conversations in ${((performance.now() - tSeed) / 1000).toFixed(1)} s`);
    // The page the bench asks for is the one the SQL floor returns: same first ids.
    const first = JSON.parse(await expectStatus(port, listPath({}), 200, token)) as { items: { id: string }[] };
    if (first.items.length !== PAGE_SIZE) throw new Error(`first page has ${first.items.length} items`);

    sqlPool = new Pool({
      connectionString: appRoleUrl(dbs.urls.eu, { name: bench.env.DATABASE_APP_ROLE!, password: bench.env.DATABASE_APP_PASSWORD! }),
      max: CONCURRENCY,
      // app.tenant_id set per connection: the statement alone is one round trip. Generic plans, as
      // the app runs the list (TriageStore.list); the unprepared floor below sets them back to auto.
      options: `-c app.tenant_id=${tenant.id} -c plan_cache_mode=force_generic_plan`,
    });
    const direct = (await sqlPool.query<{ id: string }>(listSql(tenant.id, user.id, {}))).rows.map((r) => r.id);
    if (direct.slice(0, PAGE_SIZE).join() !== first.items.map((i) => i.id).join()) throw new Error('the SQL floor returns another page than the app');

    const measureRow = measurer(app.pid!, owner);
    let profiled = false;
    // HTTP rows: the one CPU_PROFILE_ROW names is profiled (its warm-up too: the profile is of the app, not of the figures).
    const counted = async (row: Row, op: (i: number) => Promise<void>): Promise<Row> => {
      await statementWindow(app.pid, QUERY_STATS, false);
      await sleep(200); // the signal is handled when the app's loop gets to it: no request before
      const { n } = await measureLoad(`${row.name} (statements counted)`, op, COUNTED, { ...LOAD, warmup: 0 });
      const stats = await statementWindow(app.pid, QUERY_STATS, true);
      return { ...row, statements: stats ? statementCalls(stats) / n : NaN };
    };
    const measureHttp = async (name: string, op: (i: number) => Promise<void>): Promise<Row> => {
      const profiling = CPU_PROFILE !== undefined && !profiled && name.includes(CPU_PROFILE_ROW);
      if (profiling) {
        profiled = true;
        process.kill(app.pid!, 'SIGWINCH');
      }
      let row: Row;
      try {
        row = await measureRow(name, op);
      } finally {
        if (profiling) await stopProfile(app.pid!, CPU_PROFILE);
      }
      return counted(row, op);
    };
    const measure = measureRow;
    const floors: Array<[string, Row]> = [];
    floors.push(['GET /health (queries every region)', await measureHttp('GET /health', async () => void (await expectStatusOnly(port, '/health', 200)))]);
    floors.push([
      'GET list ?limit=0 → 400 (auth, no DB)',
      await measureHttp('GET ?limit=0 (400)', async () => void (await expectStatusOnly(port, '/api/conversations?limit=0', 400, token))),
    ]);

    const scenarios: { name: string; query: (i: number) => ListQuery }[] = [
      { name: 'first page', query: () => ({}) },
      { name: `pages ≥ ${DEEP_FROM_PAGE} by cursor`, query: (i) => ({ cursor: cursors[i % cursors.length] }) },
      { name: 'status=open, first page', query: () => ({ status: 'open' }) },
      { name: 'assigneeId=owner, first page', query: () => ({ assigneeId: user.id }) },
    ];
    const pairs: Pair[] = [];
    for (const [index, s] of scenarios.entries()) {
      // Back to back, so drift over the run affects each side of a ratio alike.
      const http = await measureHttp(s.name, async (i) => void (await expectStatusOnly(port, listPath(s.query(i)), 200, token)));
      const sql = await measure(s.name, async (i) => {
        // Prepared, as the app prepares it (tenant-statement.ts): the floor is executing, not planning.
        const { rowCount } = await sqlPool!.query({ name: `list${index}`, ...listSql(tenant.id, user.id, s.query(i)) });
        if (!rowCount) throw new Error(`SQL ${s.name}: no rows`);
      });
      const sqlTx = await measure(s.name, async (i) => {
        const c = await sqlPool!.connect();
        try {
          await c.query('begin');
          await c.query(`select set_config('app.tenant_id', $1, true), set_config('plan_cache_mode', 'auto', true)`, [tenant.id]);
          const { rowCount } = await c.query(listSql(tenant.id, user.id, s.query(i)));
          await c.query('commit');
          if (!rowCount) throw new Error(`SQL ${s.name}: no rows`);
        } finally {
          c.release();
        }
      });
      pairs.push({ http, sql, sqlTx, plan: await explain(sqlPool, listSql(tenant.id, user.id, s.query(0))) });
    }

    if (process.env.BENCH_PLAN === '1') {
      const q = listSql(tenant.id, user.id, {});
      const { rows } = await sqlPool.query(`explain (analyze, buffers) ${q.text}`, q.values);
      process.stdout.write(`\nPlan of the first page:\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
    }
    process.stdout.write(
      `\nConversations list: ${CONVERSATIONS.toLocaleString('en-US')} conversations in one tenant, ${REQUESTS} requests per row after ${WARMUP} warm-up, ` +
        `concurrency ${CONCURRENCY}, loopback, the app in a child process\n` +
        `PostgreSQL ${version} (${describeServer()})\n`,
    );
    printTable(floors, pairs);
    const worst = Math.max(...pairs.map(({ http }) => p(http, 95)));
    process.stdout.write(`\nworst list p95 ${fmt(worst)} ms: target < ${TARGET_P95_MS} ms ${worst < TARGET_P95_MS ? 'met' : 'MISSED'}\n`);
    process.stdout.write(appPeakRssLine(app.pid!, false));
    const path = writeResults('conversations-list', {
      postgres: version,
      knobs: { requests: REQUESTS, concurrency: CONCURRENCY, conversations: CONVERSATIONS, pageSize: PAGE_SIZE },
      figures: {
        targetP95Ms: TARGET_P95_MS,
        worstListP95Ms: worst,
        appPeakRssMiB: peakRssMiB(app.pid!),
        floors: Object.fromEntries(floors.map(([label, s]) => [label, summary(s)])),
        list: pairs.map(({ http, sql, sqlTx, plan }) => ({
          explain: plan,
          scenario: http.name,
          http: summary(http),
          sqlAlone: summary(sql),
          sqlInTransaction: summary(sqlTx),
          p95OverSql: p(http, 95) / p(sql, 95),
          p95OverSqlInTransaction: p(http, 95) / p(sqlTx, 95),
        })),
      },
    });
    process.stdout.write(`figures written to ${path}; total ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  });
}

runScript(main);
