/**
 * The triage list half of `npm run bench:search` (a script that prints figures, not a test).
 *
 * Starts the real app (src/main.ts, workers off) as a child process on fresh databases
 * (DATABASE_URL's server, or an embedded PostgreSQL when unset), so the load generator does not
 * share its event loop; seeds one tenant with BENCH_MESSAGES messages (1,000,000) over
 * BENCH_CONVERSATIONS conversations (20,000) shared by 10 agents, half of each agent's
 * conversations read by them, and measures `GET /api/conversations?assignee=me&unread=true`
 * (first page, and deep pages by cursor) over loopback HTTP at BENCH_CONCURRENCY (10) clients,
 * next to the same SQL the app issues (prepared, generic plan, rows unparsed, as the app runs it), sent straight
 * through `pg` as the app role in the same run. Each row gives the CPU milliseconds per request of
 * the app and of PostgreSQL (from /proc), which a busy machine does not inflate as it does latencies.
 * Target: list p95 < 20 ms.
 *
 * Knobs (environment): BENCH_REQUESTS (2000 per row), BENCH_APP_WARMUP (2000), BENCH_CONCURRENCY, BENCH_CONVERSATIONS,
 * BENCH_MESSAGES; BENCH_EXPLAIN=1 prints the plans of the first and the deepest page; BENCH_CPU_PROFILE
 * (a path) writes a CPU profile of the app during the first page's HTTP row. Only 127.0.0.1 and the
 * database server are contacted; every loop is bounded in count and time.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { decodeCursor } from '../src/common/cursor';
import { triageListSql } from '../src/conversations/triage.store';
import { appRoleUrl } from '../src/database/migrate';
import { rowShapeOf } from '../src/database/tenant-statement';
import { BenchEnvironment, readBenchAppOptions, signUpEuOwner, transport } from './bench-environment';
import { appPeakRssLine } from './app-memory';
import { benchKnobs, recordPrintedFigures } from './bench-results';
import { stopProfile } from './cpu-profile';
import { seedTriageTenant, seededCounts } from './triage-seed';
import { type RequestCpu, withRequestCpu } from './request-cpu';
import { type Stats, envInt, loopbackClient, measure as measureLoad, note, percentile } from './load-loop';
import { runScript } from './run-script';

const REQUESTS = envInt('BENCH_REQUESTS', 2000, 100, 100_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 10, 1, 100);
const CONVERSATIONS = envInt('BENCH_CONVERSATIONS', 20_000, 1_000, 1_000_000);
const MESSAGES = envInt('BENCH_MESSAGES', 1_000_000, CONVERSATIONS, 20_000_000);
const AGENTS = 10;
const PAGE_SIZE = 25;
const WARMUP = 200;
/**
 * List requests (first and deeper pages in turn) before the first measured row: a server that has
 * run a while has compiled its hot paths and sized its heap. With only the rows' own 200, the first
 * list row measured paid that (app CPU 1.82 ms a request against 0.91 for the same row run again last).
 */
const APP_WARMUP = envInt('BENCH_APP_WARMUP', 2000, 0, 100_000);
const SCENARIO_BOUND_MS = 60_000;
const RUN_BOUND_MS = 1_200_000;
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;

const LOAD = { concurrency: CONCURRENCY, boundMs: SCENARIO_BOUND_MS, warmup: WARMUP };
const { agent, expectStatus, expectStatusOnly } = loopbackClient(CONCURRENCY);

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

type Row = Stats & { cpu: RequestCpu };

function row(label: string, s: Row, ratio?: string): string {
  return [
    label.padEnd(46),
    String(s.n).padStart(6),
    Math.round(s.n / s.seconds)
      .toLocaleString('en-US')
      .padStart(8),
    ...[50, 95, 99].map((p) => fmt(percentile(s.lat, p)).padStart(8)),
    fmt(s.cpu.app).padStart(8),
    fmt(s.cpu.postgres).padStart(8),
    (ratio ?? '').padStart(10),
  ].join(' ');
}

async function main(): Promise<number> {
  recordPrintedFigures('triage-list', benchKnobs());
  const t0 = performance.now();
  const bench = new BenchEnvironment('mm_bench_triage', RUN_BOUND_MS);
  let sqlPool: Pool | undefined;
  bench.onCleanup(() => {
    agent.destroy();
    return sqlPool?.end();
  });
  return bench.run(async () => {
    const { dbs, app, owner } = await bench.start({ max: 3 }, readBenchAppOptions(CPU_PROFILE));
    const port = app.port;
    const tSeed = performance.now();
    const { accessToken: token, tenant, user } = await signUpEuOwner(app.url);
    const seeder = await owner.connect();
    let version: string;
    let counts: { messages: number; mine: number; unread: number };
    try {
      await seedTriageTenant(seeder, tenant.id, user.id, { conversations: CONVERSATIONS, messages: MESSAGES, agents: AGENTS });
      version = (await seeder.query(`select current_setting('server_version') as version`)).rows[0].version;
      counts = await seededCounts(seeder, tenant.id, user.id);
    } finally {
      seeder.release();
    }
    const { messages, mine, unread } = counts;
    note(
      `seeded ${messages} messages, ${CONVERSATIONS} conversations in ${((performance.now() - tSeed) / 1000).toFixed(1)} s; the caller has ${mine}, ${unread} unread`,
    );

    // Deep cursors: walk the caller's unread list once (also checks it is what the seed made).
    const path = (cursor?: string) => `/api/conversations?assignee=me&unread=true&limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const cursors: string[] = [];
    let seen = 0;
    let cursor: string | undefined;
    do {
      const body = JSON.parse(await expectStatus(port, path(cursor), 200, token)) as { items: Array<{ unreadCount: number }>; nextCursor: string | null };
      seen += body.items.length;
      if (body.items.some((c) => c.unreadCount === 0)) throw new Error('a row of unread=true has no unread message');
      cursor = body.nextCursor ?? undefined;
      if (cursor) cursors.push(cursor);
    } while (cursor && cursors.length < 10_000);
    if (seen !== unread) throw new Error(`the unread list has ${seen} rows, the seed made ${unread}`);

    sqlPool = new Pool({
      connectionString: appRoleUrl(dbs.urls.eu, { name: bench.env.DATABASE_APP_ROLE!, password: bench.env.DATABASE_APP_PASSWORD! }),
      max: CONCURRENCY,
      // One round trip, a generic plan: as the app runs the list (TriageStore.list, tenant-statement.ts).
      options: `-c app.tenant_id=${tenant.id} -c plan_cache_mode=force_generic_plan`,
    });
    const sqlOf = (c?: string) =>
      triageListSql(
        tenant.id,
        user.id,
        { assigneeId: user.id, unread: true, sort: 'last_activity' },
        { limit: PAGE_SIZE, after: c ? decodeCursor(c) : undefined },
      );

    if (process.env.BENCH_EXPLAIN) {
      // The plans behind the figures: first page and the deepest cursor, as the app role runs them (prepared, generic).
      const c = await sqlPool.connect();
      try {
        for (const [label, at] of [
          ['first page', undefined],
          ['deepest page', cursors[cursors.length - 1]],
        ] as const) {
          const { text, values } = sqlOf(at);
          await c.query(`prepare explained as ${text}`);
          const args = values.map((v) => `'${v instanceof Date ? v.toISOString() : String(v)}'`).join(', ');
          const plan = await c.query(`explain (analyze, buffers, costs off) execute explained(${args})`);
          await c.query('deallocate explained');
          process.stdout.write(`\n-- ${label}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
        }
      } finally {
        c.release();
      }
    }

    const measure = async (name: string, op: (i: number) => Promise<void>, profiled = false): Promise<Row> => {
      await measureLoad(`${name} (warm-up)`, op, WARMUP, { ...LOAD, warmup: 0 });
      if (profiled) process.kill(app.pid!, 'SIGWINCH');
      try {
        return await withRequestCpu(app.pid!, owner, () => measureLoad(name, op, REQUESTS, { ...LOAD, warmup: 0 }));
      } finally {
        if (profiled) await stopProfile(app.pid!, CPU_PROFILE!);
      }
    };
    if (APP_WARMUP > 0)
      await measureLoad(
        'the app (warm-up, list pages)',
        async (i) => void (await expectStatusOnly(port, path(i % 2 ? cursors[i % cursors.length] : undefined), 200, token)),
        APP_WARMUP,
        {
          ...LOAD,
          warmup: 0,
        },
      );
    const health = await measure('GET /health', async () => void (await expectStatusOnly(port, '/health', 200)));
    const rows: Array<{ label: string; s: Row; against?: Row }> = [{ label: 'GET /health (floor)', s: health }];
    for (const [index, [label, pick]] of (
      [
        ['first page', () => undefined],
        ['deeper pages by cursor', (i: number) => cursors[i % cursors.length]],
      ] as Array<[string, (i: number) => string | undefined]>
    ).entries()) {
      const sql = await measure(`SQL ${label}`, async (i) => {
        await sqlPool!.query({ name: `triage${index}`, ...sqlOf(pick(i)), ...rowShapeOf({ rawRows: true }) });
      });
      const http = await measure(
        `HTTP ${label}`,
        async (i) => void (await expectStatusOnly(port, path(pick(i)), 200, token)),
        Boolean(CPU_PROFILE) && index === 0,
      );
      rows.push({ label: `  SQL, app role (same query), ${label}`, s: sql }, { label: `  GET ?assignee=me&unread=true, ${label}`, s: http, against: sql });
    }

    const where = process.env.DATABASE_URL ? 'DATABASE_URL server' : 'embedded';
    process.stdout.write(
      `\nTriage list: ${Number(messages).toLocaleString('en-US')} messages, ${CONVERSATIONS.toLocaleString('en-US')} conversations, ${AGENTS} agents in one tenant; ` +
        `the caller has ${mine} conversations, ${unread} unread. ${REQUESTS} requests per row after ${WARMUP} warm-up (and ${APP_WARMUP} list requests before the first row), concurrency ${CONCURRENCY}, loopback, the app in a child process\n` +
        `Node ${process.version}, ${cpus().length} CPU × ${cpus()[0]?.model.trim()}, PostgreSQL ${version} (${where}, reached over ${transport(dbs.urls.eu)}). Target: HTTP p95 < 20 ms\n` +
        `app ms, pg ms: CPU milliseconds per request of the app process and of the PostgreSQL backends of this database\n\n` +
        `${''.padEnd(46)} ${'n'.padStart(6)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'app ms'.padStart(8)} ${'pg ms'.padStart(8)} ${'p95÷SQL'.padStart(10)}\n` +
        rows.map((r) => row(r.label, r.s, r.against ? `${fmt(percentile(r.s.lat, 95) / percentile(r.against.lat, 95))}×` : undefined)).join('\n') +
        '\n',
    );
    process.stdout.write(appPeakRssLine(app.pid!, false));
    process.stdout.write(`total ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  });
}

runScript(main);
