/**
 * Conversations list benchmark (a script that prints figures, not a test): `npm run bench:conversations`.
 *
 * Runs the real app in this process on fresh databases (DATABASE_URL's server, or an embedded
 * PostgreSQL when unset), seeds one tenant with BENCH_CONVERSATIONS conversations, and measures
 * GET /api/conversations over loopback HTTP: first page, deep pages by cursor, status filter,
 * assignee filter. Measured in the same run, as floors: GET /health, an authenticated request the
 * validation pipe refuses before any query (everything but the database), and the same keyset
 * SELECT sent straight through `pg` as the app role.
 *
 * Knobs (environment): BENCH_REQUESTS (2000 per scenario), BENCH_CONCURRENCY (10),
 * BENCH_CONVERSATIONS (10000). Only 127.0.0.1 and the database server are contacted; every loop
 * is bounded in count and time.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { KeyRing } from '../libs/crypto/src';
import { createApp } from '../src/app.factory';
import { decodeCursor } from '../src/common/cursor';
import { loadConfig } from '../src/config/app-config';
import { appRoleUrl } from '../src/database/migrate';
import { TestDatabases, createTestDatabases } from '../test/support/test-databases';
import { type Stats, envInt, loopbackClient, measure as measureLoad, note, percentile } from './load-loop';

const REQUESTS = envInt('BENCH_REQUESTS', 2000, 100, 100_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 10, 1, 100);
const CONVERSATIONS = envInt('BENCH_CONVERSATIONS', 10_000, 1_000, 1_000_000);
const PAGE_SIZE = 25;
const DEEP_FROM_PAGE = 50;
const WARMUP = 200;
/** A scenario stops here even if it has not sent all its requests (then n says how many it did). */
const SCENARIO_BOUND_MS = 60_000;

const LOAD = { concurrency: CONCURRENCY, boundMs: SCENARIO_BOUND_MS, warmup: WARMUP };
const measure = (name: string, op: (i: number) => Promise<void>, count = REQUESTS): Promise<Stats> => measureLoad(name, op, count, LOAD);
const { agent, expectStatus } = loopbackClient(CONCURRENCY);
const MAX_WALK_PAGES = Math.ceil(CONVERSATIONS / PAGE_SIZE) + 10;

// ---------------------------------------------------------------------------------------------
// The list scenarios, each as an HTTP path and as the SELECT the repository issues for it.

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

/** Mirrors keysetPage in src/conversations/persistence/entity-mappers.ts: limit+1 rows in (last_message_at, id) desc order. */
function listSql(tenantId: string, q: ListQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [tenantId];
  const where = ['tenant_id = $1'];
  if (q.status) where.push(`status = $${values.push(q.status)}`);
  if (q.assigneeId) where.push(`assignee_id = $${values.push(q.assigneeId)}`);
  if (q.cursor) {
    const after = decodeCursor(q.cursor)!;
    where.push(`(last_message_at, id) < ($${values.push(after.at)}, $${values.push(after.id)})`);
  }
  const columns = 'tenant_id, id, contact_id, channel_id, status, assignee_id, last_message_at, last_inbound_at, created_at, updated_at';
  return { text: `select ${columns} from conversations where ${where.join(' and ')} order by last_message_at desc, id desc limit ${PAGE_SIZE + 1}`, values };
}

// ---------------------------------------------------------------------------------------------
// Seeding: set-based, as the database owner, in one transaction.

async function seed(owner: Client, tenantId: string, ownerUserId: string): Promise<void> {
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
  await owner.query(
    `insert into contacts (tenant_id, id, display_name, created_at, updated_at)
    select $1, contact_id, 'Bench contact ' || g, at, at from seed`,
    [tenantId],
  );
  await owner.query(
    `insert into contact_identities (tenant_id, contact_id, channel_id, channel_kind, external_id, created_at)
    select $1, contact_id, $2, 'messenger', 'psid-bench-' || g, at from seed`,
    t,
  );
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

// ---------------------------------------------------------------------------------------------
// Output.

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const rps = (s: Stats) => s.n / s.seconds;
const p50 = (s: Stats) => percentile(s.lat, 50);

function row(label: string, s: Stats, ratios: string[] = []): string {
  const cells = [
    label.padEnd(40),
    String(s.n).padStart(6),
    Math.round(rps(s)).toLocaleString('en-US').padStart(8),
    ...[50, 95, 99].map((p) => fmt(percentile(s.lat, p)).padStart(8)),
    ...ratios.map((r) => r.padStart(10)),
  ];
  return cells.join(' ');
}

function printTable(health: Stats, noDb: Stats, pairs: { http: Stats; sql: Stats }[]): void {
  const ratio = (a: Stats, b: Stats) => `${fmt(p50(a) / p50(b))}×`;
  const header = ['', 'n', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'p50÷health', 'p50÷no-DB', 'p50÷SQL'];
  const widths = [40, 6, 8, 8, 8, 8, 10, 10, 10];
  const lines = [
    header.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : h.padStart(widths[i]))).join(' '),
    'Floors',
    row('  GET /health (queries every region)', health),
    row('  GET list ?limit=0 → 400 (auth, no DB)', noDb),
    ...pairs.map(({ sql }) => row(`  SQL ${sql.name}`, sql)),
    `GET /api/conversations?limit=${PAGE_SIZE}`,
    ...pairs.map(({ http, sql }) => row(`  ${http.name}`, http, [ratio(http, health), ratio(http, noDb), ratio(http, sql)])),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = performance.now();
  const phases: string[] = [];
  const phase = (name: string, since: number) => phases.push(`${name} ${((performance.now() - since) / 1000).toFixed(1)} s`);

  let dbs: TestDatabases | undefined;
  let app: NestFastifyApplication | undefined;
  let owner: Client | undefined;
  let sqlPool: Pool | undefined;
  // A role of this run's own: the app (re)sets its password at start, and a shared server's mm_app may be in use.
  const appRole = `mm_bench_${randomBytes(4).toString('hex')}`;
  try {
    dbs = await createTestDatabases();
    const env = {
      REGION_DATABASE_URLS: Object.entries(dbs.urls)
        .map(([r, u]) => `${r}=${u}`)
        .join(','),
      DEFAULT_REGION: 'eu',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      DATABASE_APP_ROLE: appRole,
      MM_MASTER_KEYS: KeyRing.generateKey('bench1'),
      WORKERS: 'off', // nothing to process; their polling would only add noise
      SMTP_PORT: '0',
    };
    const config = loadConfig(env);
    app = await createApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;
    phase('databases + app start', t0);

    const tSeed = performance.now();
    const signup = await fetch(`http://127.0.0.1:${port}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationName: 'Bench Org', email: `bench-${randomUUID()}@example.test`, password: 'a long enough password' }),
    });
    if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
    const account = (await signup.json()) as { accessToken: string; tenant: { id: string; region: string }; user: { id: string } };
    const { accessToken: token, tenant, user } = account;
    owner = new Client({ connectionString: dbs.urls[tenant.region] });
    await owner.connect();
    await seed(owner, tenant.id, user.id);
    const [{ version }] = (await owner.query(`select current_setting('server_version') as version`)).rows;
    phase(`signup + seed ${CONVERSATIONS.toLocaleString('en-US')} conversations`, tSeed);

    // Follow nextCursor to the end once: checks the seed is all visible, and collects deep cursors.
    const tWalk = performance.now();
    const deepCursors: string[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const body = JSON.parse(await expectStatus(port, listPath({ cursor }), 200, token)) as { items: { id: string }[]; nextCursor: string | null };
      pages++;
      for (const item of body.items) seen.add(item.id);
      cursor = body.nextCursor ?? undefined;
      if (cursor && pages + 1 >= DEEP_FROM_PAGE) deepCursors.push(cursor);
    } while (cursor && pages < MAX_WALK_PAGES);
    if (seen.size !== CONVERSATIONS) throw new Error(`walked ${pages} pages and saw ${seen.size} conversations, expected ${CONVERSATIONS}`);
    if (deepCursors.length === 0) throw new Error(`fewer than ${DEEP_FROM_PAGE} pages`);
    const walkSeconds = (performance.now() - tWalk) / 1000;
    phase('cursor walk', tWalk);

    // The database floor: the same SELECT as the app role, so row-level security applies as it does
    // for the app; app.tenant_id is set once per connection, so each operation is one round trip.
    sqlPool = new Pool({
      connectionString: appRoleUrl(dbs.urls[tenant.region], { name: appRole, password: config.appDatabasePassword }),
      max: CONCURRENCY,
      options: `-c app.tenant_id=${tenant.id}`,
    });

    const tMeasure = performance.now();
    const health = await measure('GET /health', async () => void (await expectStatus(port, '/health', 200)));
    const noDb = await measure('GET ?limit=0 (400)', async () => void (await expectStatus(port, '/api/conversations?limit=0', 400, token)));
    const lastPage = Math.ceil(CONVERSATIONS / PAGE_SIZE);
    const scenarios: { name: string; query: (i: number) => ListQuery }[] = [
      { name: 'first page', query: () => ({}) },
      { name: `pages ${DEEP_FROM_PAGE}–${lastPage} by cursor`, query: (i) => ({ cursor: deepCursors[i % deepCursors.length] }) },
      { name: 'status=open, first page', query: () => ({ status: 'open' }) },
      { name: 'assigneeId=owner, first page', query: () => ({ assigneeId: user.id }) },
    ];
    const pairs: { http: Stats; sql: Stats }[] = [];
    for (const s of scenarios) {
      // Back to back, so drift over the run affects both sides of each ratio alike.
      const http = await measure(s.name, async (i) => void (await expectStatus(port, listPath(s.query(i)), 200, token)));
      const sql = await measure(s.name, async (i) => {
        const { text, values } = listSql(tenant.id, s.query(i));
        const { rowCount } = await sqlPool!.query(text, values);
        if (!rowCount) throw new Error(`SQL ${s.name}: no rows`);
      });
      pairs.push({ http, sql });
    }
    phase('measurements', tMeasure);

    const where = process.env.DATABASE_URL ? 'DATABASE_URL server' : 'embedded';
    process.stdout.write(
      `\nConversations list: ${CONVERSATIONS.toLocaleString('en-US')} conversations in one tenant, ${REQUESTS} requests per row after ${WARMUP} warm-up, ` +
        `concurrency ${CONCURRENCY}, loopback, app and load generator in one Node process\n` +
        `Node ${process.version}, ${cpus().length} CPU × ${cpus()[0]?.model.trim()}, PostgreSQL ${version} (${where})\n` +
        `Sequential walk of all ${pages} pages by nextCursor: ${walkSeconds.toFixed(2)} s (${fmt((walkSeconds * 1000) / pages)} ms/page)\n`,
    );
    printTable(health, noDb, pairs);
  } finally {
    const tClean = performance.now();
    agent.destroy();
    await sqlPool?.end().catch(() => undefined);
    await owner?.end().catch(() => undefined);
    await app?.close().catch((err: Error) => note(`app close: ${err.message}`));
    await dbs?.dispose().catch((err: Error) => note(`dropping databases: ${err.message}`));
    if (dbs && process.env.DATABASE_URL) await dropRole(dbs.serverUrl, appRole);
    phase('cleanup', tClean);
    process.stdout.write(`\n${phases.join(', ')}; total ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}

/** Roles outlive databases; once this run's databases are gone, nothing refers to this one. */
async function dropRole(serverUrl: string, role: string): Promise<void> {
  const c = new Client({ connectionString: serverUrl });
  try {
    await c.connect();
    await c.query(`drop role if exists ${role}`);
  } catch (err) {
    note(`dropping role ${role}: ${(err as Error).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
