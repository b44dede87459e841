/**
 * Retention purge benchmark (a script that prints figures, not a test): `npm run bench:purge`.
 *
 * Starts the real app (src/main.ts, workers on) on fresh databases (DATABASE_URL's server, or an
 * embedded PostgreSQL when unset). Tenant A connects a Messenger page and receives the webhook
 * load; tenant B gets a Messenger page and BENCH_PURGE_MESSAGES messages (set-based SQL as the
 * owner: 20,000 conversations x 50 messages, sent 400 days ago), then a 30-day retention through
 * PUT /api/settings/retention. Then, with the same open-loop webhook load for A (signed, each with
 * its own mid, over 127.0.0.1):
 *   1. baseline: ACK p50/p99 with no purge running;
 *   2. purge: RetentionPurgeJob.run() (5,000-row batches, one transaction each) on a worker thread
 *      of this process (bench/purge-worker.ts), while the load keeps running: purge rows/s and
 *      the ACK p50/p99 during it;
 * and prints the p99 ratio (during purge / baseline). Afterwards it checks that B has no messages
 * left and that every accepted webhook of A was stored and processed.
 *
 * The load runs in back-to-back 1 s windows of bench/ingest-load.ts's open-loop client (latency
 * from each request's due time), in both phases alike, so the purge phase can stop when the purge
 * does. Knobs (environment): BENCH_PURGE_RATE (150 webhooks/s), BENCH_PURGE_BASELINE_SECONDS (10),
 * BENCH_PURGE_MESSAGES (1,000,000). Only 127.0.0.1 is contacted; every loop is bounded in count and time.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Pool, PoolClient } from 'pg';
import { signMetaBody } from '../src/channels/meta/meta-signature';
import type { FakeGraphServer } from '../test/fakes/fake-graph.server';
import { META_APP_SECRET, messengerMessage, platformId } from '../test/support/meta';
import { BenchEnvironment, describeServer, envNumber, int, ms, note, sleep, withTimeout } from './bench-environment';
import { parentPid } from './ingest-cpu';
import { percentile, rawPost, runLoad } from './ingest-load';
import { CpuSnapshot, snapshot, usage } from './purge-cpu';
import type { PurgeWorkerIn, PurgeWorkerOut } from './purge-worker';
import { appPeakRssLine } from './app-memory';
import { benchKnobs, recordPrintedFigures } from './bench-results';
import { seedContacts } from './seed-contacts';

const RATE = envNumber('BENCH_PURGE_RATE', 150, 10, 2_000);
const BASELINE_S = envNumber('BENCH_PURGE_BASELINE_SECONDS', 10, 3, 30);
const MESSAGES_PER_CONVERSATION = 50;
const CONVERSATIONS = Math.ceil(envNumber('BENCH_PURGE_MESSAGES', 1_000_000, 10_000, 2_000_000) / MESSAGES_PER_CONVERSATION);
const MESSAGES = CONVERSATIONS * MESSAGES_PER_CONVERSATION;
const RETENTION_DAYS = 30;
const SEED_AGE_DAYS = 400;
/** Rows per purge transaction in RetentionPurgeJob (BATCH there). */
const JOB_BATCH = 5000;
/** Open-loop connections: at 150/s a 100 ms stall needs 15 in flight before requests queue here. */
const CONNECTIONS = 16;
const WINDOW_MS = 1000;
const WARMUP_S = 2;
/** The purge phase (and the purge) stops here even if the purge has not finished. */
const PURGE_BOUND_MS = 100_000;
/** Waiting for the inbound queue to drain (between phases, and before the final check). */
const DRAIN_BOUND_MS = 20_000;
/** The whole run, setup to cleanup; past it the bench cleans up and exits 2. */
const RUN_BOUND_MS = 240_000;
const SENDERS = 500;
const WEBHOOK_PATH = '/webhooks/meta';
const PURGE_LOCK_KEY = 7_274_173_002n; // retention-purge.job.ts LOCK_KEY

const s1 = (msValue: number) => `${(msValue / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------------
// Setup through the API.

async function api<T>(url: string, method: string, path: string, body: unknown, token?: string, expect = [200, 201]): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

interface Tenant {
  tenantId: string;
  token: string;
  channelId: string;
  pageId: string;
}

async function signupWithMessenger(url: string, graph: FakeGraphServer, name: string): Promise<Tenant> {
  const account = await api<{ accessToken: string; tenant: { id: string; region: string } }>(url, 'POST', '/api/auth/signup', {
    organizationName: name,
    email: `bench-${randomUUID()}@example.test`,
    password: 'a long enough password',
  });
  const pageId = platformId();
  graph.page(pageId, 'bench-page-access-token');
  const channel = await api<{ id: string }>(
    url,
    'POST',
    '/api/channels',
    { kind: 'messenger', name: `${name} Page`, config: { pageId }, credentials: { pageAccessToken: 'bench-page-access-token' } },
    account.accessToken,
  );
  return { tenantId: account.tenant.id, token: account.accessToken, channelId: channel.id, pageId };
}

// ---------------------------------------------------------------------------------------------
// Seeding tenant B: set-based, as the database owner, one transaction.

/** Concurrent sessions inserting the messages (each its share of the conversations). */
const SEED_SESSIONS = 2;

async function inTenantTx<T>(owner: Pool, tenantId: string, work: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await owner.connect();
  try {
    await c.query('begin');
    // The tables force row-level security, which binds their owner too unless it is a superuser.
    await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    await c.query(`set local work_mem = '128MB'`);
    const out = await work(c);
    await c.query('commit');
    return out;
  } catch (err) {
    await c.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

async function seed(owner: Pool, b: Tenant): Promise<void> {
  let t = performance.now();
  const step = (what: string) => {
    const now = performance.now();
    note(`  ${what}: ${s1(now - t)}`);
    t = now;
  };
  const tc = [b.tenantId, b.channelId];
  await owner.query(`
    create unlogged table bench_purge_seed as
    select g,
           gen_random_uuid() as contact_id,
           gen_random_uuid() as conversation_id,
           date_trunc('milliseconds', now() - interval '${SEED_AGE_DAYS} days' - random() * interval '1 day') as at
    from generate_series(1, ${CONVERSATIONS}) g`);
  try {
    await inTenantTx(owner, b.tenantId, async (c) => {
      await seedContacts(c, { tenantId: b.tenantId, table: 'bench_purge_seed', name: `'Purge contact '`, channelId: b.channelId, psid: 'psid-purge-' });
      const last = `at + interval '${MESSAGES_PER_CONVERSATION} minutes'`;
      await c.query(
        `insert into conversations (tenant_id, id, contact_id, channel_id, status, last_message_at, last_inbound_at, created_at, updated_at)
         select $1, conversation_id, contact_id, $2, 'resolved', ${last}, ${last}, at, ${last} from bench_purge_seed`,
        tc,
      );
    });
    step('contacts, identities, conversations');
    // Alternating inbound/outbound, one a minute per conversation; each session writes in arrival
    // (sent_at) order, as a live table fills, so the purge's index scan meets a realistic heap.
    await Promise.all(
      Array.from({ length: SEED_SESSIONS }, (_, session) =>
        inTenantTx(owner, b.tenantId, (c) =>
          c.query(
            `insert into messages (tenant_id, conversation_id, channel_id, direction, text, status, external_id, sent_at, created_at)
             select $1, s.conversation_id, $2,
                    case when k % 2 = 1 then 'inbound' else 'outbound' end,
                    case when k % 2 = 1 then 'Hello, where is my order #' || s.g || '? (' || k || ')' else 'Your order #' || s.g || ' ships tomorrow. (' || k || ')' end,
                    case when k % 2 = 1 then null else 'delivered' end,
                    'm_purge_seed_' || s.g || '_' || k,
                    s.at + k * interval '1 minute', s.at + k * interval '1 minute'
             from bench_purge_seed s cross join generate_series(1, ${MESSAGES_PER_CONVERSATION}) k
             where s.g % ${SEED_SESSIONS} = ${session}
             order by s.at + k * interval '1 minute'`,
            tc,
          ),
        ),
      ),
    );
    step(`${int(MESSAGES)} messages (${SEED_SESSIONS} sessions)`);
  } finally {
    await owner.query('drop table if exists bench_purge_seed');
  }
  // Fresh statistics and visibility map, as tables in service would have; keeps autovacuum out of the phases.
  await owner.query('vacuum (analyze) contacts, contact_identities, conversations, messages');
  step('vacuum analyze');
  // And the seed's dirty pages written out now, not during the baseline.
  await owner.query('checkpoint').catch((e) => note(`checkpoint refused (${(e as Error).message}): the baseline may include one`));
  step('checkpoint');
}

// ---------------------------------------------------------------------------------------------
// The purge, on a worker thread.

class PurgeWorker {
  private readonly worker: Worker;
  private waiting = new Map<PurgeWorkerOut['op'], (m: PurgeWorkerOut) => void>();
  private failed?: Error;
  private rejectAll = new Set<(e: Error) => void>();

  constructor(env: NodeJS.ProcessEnv) {
    const root = join(__dirname, '..');
    const code = `require(${JSON.stringify(join(root, 'scripts', 'swc-register.js'))}); require(${JSON.stringify(join(__dirname, 'purge-worker.ts'))});`;
    this.worker = new Worker(code, { eval: true, execArgv: [], workerData: { env: { ...env } } });
    this.worker.on('message', (m: PurgeWorkerOut) => {
      if (m.op === 'error') return this.fail(new Error(`purge worker: ${m.message}`));
      const w = this.waiting.get(m.op);
      this.waiting.delete(m.op);
      w?.(m);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`purge worker exited with ${code}`)));
  }

  private fail(e: Error) {
    this.failed ??= e;
    for (const r of this.rejectAll) r(e);
    this.rejectAll.clear();
  }

  private next<T extends PurgeWorkerOut['op']>(op: T, send: PurgeWorkerIn | null, bound: number): Promise<Extract<PurgeWorkerOut, { op: T }>> {
    if (this.failed) return Promise.reject(this.failed);
    const p = new Promise<Extract<PurgeWorkerOut, { op: T }>>((resolve, reject) => {
      this.rejectAll.add(reject);
      this.waiting.set(op, (m) => {
        this.rejectAll.delete(reject);
        resolve(m as Extract<PurgeWorkerOut, { op: T }>);
      });
    });
    if (send) this.worker.postMessage(send);
    return withTimeout(p, bound, `purge worker: ${op}`);
  }

  ready(bound: number) {
    return this.next('ready', null, bound);
  }

  run(bound: number) {
    return this.next('done', { op: 'run' }, bound);
  }

  async close(): Promise<void> {
    if (!this.failed) await this.next('closed', { op: 'close' }, 10_000).catch((e) => note(`purge worker close: ${(e as Error).message}`));
    this.failed ??= new Error('closed');
    await this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// Webhook load for tenant A, in back-to-back open-loop windows.

interface Webhooks {
  phase: string;
  requests: Buffer[];
}

const midOf = (phase: string, i: number) => `m_purgebench_${phase}_${i}`;
const midPattern = (phase: string) => `m\\_purgebench\\_${phase}\\_%`;

function buildWebhooks(phase: string, pageId: string, count: number): Webhooks {
  const requests = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) {
    const psid = String(7_200_000_000_000_000 + (i % SENDERS));
    const raw = JSON.stringify(messengerMessage(pageId, psid, `purge bench ${phase} message ${i}: where is my order?`, midOf(phase, i)));
    requests[i] = rawPost(WEBHOOK_PATH, raw, { 'x-hub-signature-256': signMetaBody(META_APP_SECRET, raw) });
  }
  return { phase, requests };
}

interface Drive {
  phase: string;
  sent: number;
  accepted: number;
  other: string;
  windows: number;
  elapsedMs: number;
  latencies: Float64Array;
  p50: number;
  p99: number;
  max: number;
  /** p99 of each window, in order. */
  windowP99: number[];
}

/** Windows of WINDOW_MS at RATE/s on fresh connections, until `stop()` or `boundMs` or the pool runs out. */
async function drive(port: number, pool: Webhooks, boundMs: number, stop: () => boolean = () => false): Promise<Drive> {
  const perWindow = Math.max(1, Math.round((RATE * WINDOW_MS) / 1000));
  const statusCounts: Record<string, number> = {};
  const lat: Float64Array[] = [];
  const windowP99: number[] = [];
  let errors = 0;
  let unsent = 0;
  let sent = 0;
  let offset = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < boundMs && offset + perWindow <= pool.requests.length && !stop()) {
    const r = await runLoad({
      host: '127.0.0.1',
      port,
      requests: pool.requests.slice(offset, offset + perWindow),
      connections: CONNECTIONS,
      durationMs: WINDOW_MS,
      rate: RATE,
      graceMs: 10_000,
    });
    offset += perWindow;
    sent += r.sent;
    errors += r.errors;
    unsent += r.unsent;
    for (const [code, n] of Object.entries(r.statusCounts)) statusCounts[code] = (statusCounts[code] ?? 0) + n;
    lat.push(r.latencyMs);
    windowP99.push(percentile(r.latencyMs, 99));
  }
  const elapsedMs = performance.now() - t0;
  const all = new Float64Array(lat.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of lat) {
    all.set(a, at);
    at += a.length;
  }
  all.sort();
  const other = Object.entries(statusCounts)
    .filter(([code]) => code !== '200')
    .map(([code, n]) => `${n}x${code}`);
  if (errors) other.push(`${errors} errors`);
  if (unsent) other.push(`${unsent} unsent`);
  return {
    phase: pool.phase,
    sent,
    accepted: statusCounts['200'] ?? 0,
    other: other.length ? other.join(', ') : 'none',
    windows: lat.length,
    elapsedMs,
    latencies: all,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: all.length ? all[all.length - 1] : NaN,
    windowP99,
  };
}

// ---------------------------------------------------------------------------------------------
// Database checks (owner role).

async function webhookState(db: Pool, tenantId: string, phases: string[]): Promise<{ jobs: number; stored: number; processed: number; failed: number }> {
  const dedupe = phases.map((p) => `mid:${midPattern(p)}`);
  const mids = phases.map(midPattern);
  const { rows } = await db.query(
    `select (select count(*) from queue.jobs where kind = 'inbound' and tenant_id = $1)::int as jobs,
            (select count(*) from inbound_events where tenant_id = $1 and dedupe_key like any($2))::int as stored,
            (select count(*) from inbound_events where tenant_id = $1 and dedupe_key like any($2) and state = 'failed')::int as failed,
            (select count(*) from messages where tenant_id = $1 and external_id like any($3))::int as processed`,
    [tenantId, dedupe, mids],
  );
  return rows[0];
}

/** Polls until A's inbound queue is empty and `expected` messages exist, at most `bound` ms. */
async function waitDrained(db: Pool, tenantId: string, phases: string[], expected: number, bound: number) {
  const start = performance.now();
  let s = await webhookState(db, tenantId, phases);
  while (!(s.jobs === 0 && s.processed >= expected) && performance.now() - start < bound) {
    await sleep(250);
    s = await webhookState(db, tenantId, phases);
  }
  return { ...s, drained: s.jobs === 0 && s.processed >= expected, ms: performance.now() - start };
}

async function tenantRows(db: Pool, tenantId: string): Promise<{ messages: number; conversations: number; contacts: number }> {
  const { rows } = await db.query(
    `select (select count(*) from messages where tenant_id = $1)::int as messages,
            (select count(*) from conversations where tenant_id = $1)::int as conversations,
            (select count(*) from contacts where tenant_id = $1)::int as contacts`,
    [tenantId],
  );
  return rows[0];
}

/** Someone (the app's own boot or hourly purge) holds the purge lock in this database. */
/** `begin; insert one row; commit` in a loop on one connection: the commit (fsync) floor of every ACK. */
async function commitFloor(db: Pool, durationMs: number): Promise<{ n: number; p50: number; p99: number }> {
  const c = await db.connect();
  const lat: number[] = [];
  try {
    await c.query(`create table bench_purge_commit_floor (id bigint generated always as identity primary key, payload text not null)`);
    const end = performance.now() + durationMs;
    while (performance.now() < end && lat.length < 100_000) {
      const t0 = performance.now();
      await c.query('begin');
      await c.query('insert into bench_purge_commit_floor (payload) values ($1)', ['purge bench commit floor']);
      await c.query('commit');
      lat.push(performance.now() - t0);
    }
  } finally {
    await c.query('drop table if exists bench_purge_commit_floor').catch(() => undefined);
    c.release();
  }
  lat.sort((x, y) => x - y);
  return { n: lat.length, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function purgeLockHeld(db: Pool): Promise<boolean> {
  const { rows } = await db.query(
    `select count(*)::int as n from pg_locks where locktype = 'advisory' and ((classid::bigint << 32) | objid::bigint) = $1 and objsubid = 1`,
    [PURGE_LOCK_KEY.toString()],
  );
  return rows[0].n > 0;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  recordPrintedFigures('purge', benchKnobs());
  const runStart = performance.now();
  const server = describeServer();
  const bench = new BenchEnvironment('mm_bench_purge', RUN_BOUND_MS);
  let purger: PurgeWorker | undefined;
  bench.onCleanup(() => purger?.close());

  return bench.run(async () => {
    const { app, owner } = await bench.start({ max: 3, idleTimeoutMillis: 0 });
    const env = bench.env;
    const appPid = app.pid;
    const a = await signupWithMessenger(app.url, bench.graph, 'Purge Bench A');
    const b = await signupWithMessenger(app.url, bench.graph, 'Purge Bench B');
    const pgVersion = (await owner.query('show server_version')).rows[0].server_version as string;
    const postmaster = parentPid((await owner.query('select pg_backend_pid() as pid')).rows[0].pid);
    const sample = () => snapshot({ app: appPid, bench: process.pid }, postmaster);

    note(`seeding tenant B: ${int(CONVERSATIONS)} conversations x ${MESSAGES_PER_CONVERSATION} messages, ${SEED_AGE_DAYS} days old`);
    const t = performance.now();
    await seed(owner, b);
    const seedMs = performance.now() - t;
    const seeded = await tenantRows(owner, b.tenantId);
    if (seeded.messages !== MESSAGES) throw new Error(`seeded ${seeded.messages} messages for B, expected ${MESSAGES}`);
    const sizes = (
      await owner.query(`select pg_size_pretty(pg_total_relation_size('messages')) as total, pg_size_pretty(pg_relation_size('messages')) as heap`)
    ).rows[0] as { total: string; heap: string };
    note(`seeded in ${s1(seedMs)}; messages: ${sizes.heap} heap, ${sizes.total} with indexes`);

    // The app purges 5 s after boot; it must be done before B gets its retention (a small seed is
    // ready sooner: the app's own purge then deleted B's messages and the bench's found none), and
    // before our run, which would skip the region it has locked.
    {
      const until = performance.now() + 20_000;
      let finished = false;
      while (performance.now() < until) {
        const { rows } = await owner.query(`select last_finished_at from queue.heartbeats where job = 'retention-purge'`);
        finished = rows.length > 0 && rows[0].last_finished_at !== null && !(await purgeLockHeld(owner));
        if (finished) break;
        await sleep(250);
      }
      if (!finished) note("the app's boot-time purge has not finished: the bench's purge may skip the region");
    }

    await api(app.url, 'PUT', '/api/settings/retention', { defaultDays: RETENTION_DAYS, channels: {} }, b.token, [200]);

    note('starting the purge worker thread (the app role, the app configuration)');
    purger = new PurgeWorker(env);
    await purger.ready(60_000);

    // Every phase's signed webhooks, built before any timing.
    const warmPool = buildWebhooks('warm', a.pageId, RATE * WARMUP_S);
    const basePool = buildWebhooks('base', a.pageId, RATE * BASELINE_S);
    const purgePool = buildWebhooks('purge', a.pageId, Math.ceil((RATE * PURGE_BOUND_MS) / 1000));
    const phases = ['warm', 'base', 'purge'];

    note(`warming up: ${WARMUP_S} s at ${RATE}/s`);
    const warm = await drive(app.port, warmPool, WARMUP_S * 1000 + 5_000);
    await waitDrained(owner, a.tenantId, ['warm'], warm.accepted, DRAIN_BOUND_MS);

    note('floor: one-row insert transactions, one client, 2 s');
    const floor = await commitFloor(owner, 2_000);

    note(`phase 1, baseline: ${RATE}/s for ${BASELINE_S} s, no purge`);
    let cpu0: CpuSnapshot = sample();
    const base = await drive(app.port, basePool, BASELINE_S * 1000);
    const baseCpu = usage(cpu0, sample());
    const baseDrain = await waitDrained(owner, a.tenantId, ['base'], base.accepted, DRAIN_BOUND_MS);
    if (!baseDrain.drained) note(`the baseline's webhooks were not all processed after ${s1(baseDrain.ms)} (${baseDrain.jobs} jobs left)`);

    if (await purgeLockHeld(owner)) note('the purge lock is held (the app is purging): the bench purge may skip the region');
    note(`phase 2, purge: ${int(MESSAGES)} messages of B, ${RATE}/s webhooks for A until it finishes (at most ${PURGE_BOUND_MS / 1000} s)`);
    let purgeDone = false;
    cpu0 = sample();
    const purgeStart = performance.now();
    const purgeRun = purger.run(PURGE_BOUND_MS).finally(() => (purgeDone = true));
    purgeRun.catch(() => undefined); // awaited below
    const during = await drive(app.port, purgePool, PURGE_BOUND_MS, () => purgeDone);
    const duringCpu = usage(cpu0, sample());
    const loadEnd = performance.now();
    const purged = await purgeRun;
    const purgeMs = purged.ms;
    const overrunMs = Math.max(0, loadEnd - (purgeStart + purgeMs));

    note('checking: B emptied, A stored and processed');
    const finalDrain = await waitDrained(owner, a.tenantId, phases, warm.accepted + base.accepted + during.accepted, DRAIN_BOUND_MS);
    const left = await tenantRows(owner, b.tenantId);
    const aRows = await tenantRows(owner, a.tenantId);

    // -------------------------------------------------------------------------------------------
    const c = purged.counts;
    const deletedMessages = c.messages ?? 0;
    const deletedAll = Object.values(c).reduce((x, y) => x + y, 0);
    const batches = Math.ceil((deletedMessages + 1) / JOB_BATCH);
    const ratio = during.p99 / base.p99;
    const accepted = warm.accepted + base.accepted + during.accepted;
    const sentAll = warm.sent + base.sent + during.sent;
    const cpuLine = (x: Record<string, number>) =>
      `app ${x.app.toFixed(0)}, postgres ${x.postgres.toFixed(0)}, bench (load gen + purge thread) ${x.bench.toFixed(0)}, other ${x.other.toFixed(0)}`;
    const verdict = (ok: boolean) => (ok ? 'ok' : 'FAILED');
    const counts = Object.entries(c)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `${table} ${int(n)}`)
      .join(', ');

    const rows: Array<[string, string, string]> = [
      ['Figure', 'Value', 'Check'],
      ['purge: messages deleted', `${int(deletedMessages)} of ${int(MESSAGES)} in ${s1(purgeMs)}`, verdict(deletedMessages === MESSAGES)],
      [
        'purge: messages rows/s',
        `${int((deletedMessages * 1000) / purgeMs)}/s (${int(batches)} batches of ${int(JOB_BATCH)}, ${ms(purgeMs / batches)} ms each)`,
        '',
      ],
      ['purge: all rows / rows/s', `${int(deletedAll)} (${counts || 'none'}) = ${int((deletedAll * 1000) / purgeMs)}/s`, ''],
      [`ingest baseline (no purge), ${RATE}/s`, `p50 ${ms(base.p50)} ms, p99 ${ms(base.p99)} ms, max ${ms(base.max)} ms`, ''],
      [
        '   accepted / sent / not 200',
        `${int(base.accepted)} / ${int(base.sent)} / ${base.other} (${base.windows} x 1 s)`,
        verdict(base.accepted === base.sent),
      ],
      [`ingest during purge, ${RATE}/s`, `p50 ${ms(during.p50)} ms, p99 ${ms(during.p99)} ms, max ${ms(during.max)} ms`, ''],
      [
        '   accepted / sent / not 200',
        `${int(during.accepted)} / ${int(during.sent)} / ${during.other} (${during.windows} x 1 s)`,
        verdict(during.accepted === during.sent),
      ],
      ['   worst 1 s window p99', `${ms(Math.max(...during.windowP99))} ms (baseline: ${ms(Math.max(...base.windowP99))} ms)`, ''],
      ['floor: one-row insert tx (1 client)', `p50 ${ms(floor.p50)} ms, p99 ${ms(floor.p99)} ms (${int(floor.n)} in 2 s, no load)`, ''],
      ['ACK p99 ratio, during purge / baseline', `${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}x (p50: ${(during.p50 / base.p50).toFixed(2)}x)`, ''],
      [
        'B left: messages / conversations / contacts',
        `${int(left.messages)} / ${int(left.conversations)} / ${int(left.contacts)}`,
        verdict(left.messages === 0),
      ],
      [
        'A webhooks: accepted / stored / processed',
        `${int(accepted)} / ${int(finalDrain.stored)} / ${int(finalDrain.processed)}` + (finalDrain.failed ? ` (${finalDrain.failed} failed)` : ''),
        verdict(accepted === sentAll && finalDrain.stored === accepted && finalDrain.processed === accepted),
      ],
    ];
    const width = [0, 1, 2].map((col) => Math.max(...rows.map((r) => r[col].length)));
    const line = (r: string[]) =>
      r
        .map((cell, col) => cell.padEnd(width[col]))
        .join('  ')
        .trimEnd();
    const out = [
      '',
      `MonkeyMachine retention purge bench: RetentionPurgeJob.run() on ${int(MESSAGES)} messages of tenant B while tenant A's signed Messenger webhooks arrive`,
      `${server}, PostgreSQL ${pgVersion}; node ${process.version}; ${cpus().length} cores; open loop ${RATE}/s on ${CONNECTIONS} connections in 1 s windows; workers on`,
      `Seed: ${int(CONVERSATIONS)} conversations x ${MESSAGES_PER_CONVERSATION} messages (${sizes.heap} heap, ${sizes.total} with indexes) in ${s1(seedMs)}; retention ${RETENTION_DAYS} days; A kept ${int(aRows.messages)} messages.`,
      '',
      line(rows[0]),
      line(width.map((w) => '-'.repeat(w))),
      ...rows.slice(1).map(line),
      '',
      'CPU, % of one core:',
      `  baseline:     ${cpuLine(baseCpu)}`,
      `  during purge: ${cpuLine(duringCpu)}`,
      ...(Math.max(baseCpu.other, duringCpu.other) > 25
        ? ['Warning: other processes used a large share of the CPU in some phase (see "other"): latencies are inflated by that; rerun on a quiet machine.']
        : []),
      `Per-window p99 during the purge (ms): ${during.windowP99.map(ms).join(' ')}`,
      `The purge phase's load ran ${s1(overrunMs)} past the purge's end (its last window), which dilutes the during-purge figures by that share.`,
      "ACK latency: from each request's due time (open loop) to its full response. Purge rows/s: rows RetentionPurgeJob.run() returned / its wall time",
      '(on a worker thread of the bench; the same pools, role and batches as the app). Baseline and purge phase run in the same app, same data.',
      appPeakRssLine(appPid!, false).trimEnd(),
      `Run took ${((performance.now() - runStart) / 1000).toFixed(0)} s.`,
      '',
    ];
    process.stdout.write(out.join('\n'));
    return deletedMessages === MESSAGES && left.messages === 0 && finalDrain.stored === accepted ? 0 : 1;
  });
}

void main().then((code) => process.exit(code));
