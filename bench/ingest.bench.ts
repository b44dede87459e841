/**
 * Ingest benchmark (a script that prints figures, not a test): `npm run bench:ingest`.
 *
 * Starts the real app (src/main.ts, workers on) on fresh databases (DATABASE_URL's server, or an
 * embedded PostgreSQL when unset), connects one hot Messenger Page and a mix of 200 Pages across
 * 50 organizations, then drives signed webhooks at POST /webhooks/meta over loopback, each with
 * its own mid so each is really stored:
 *   1. max throughput, one hot Page: closed loop at 32 connections: accepted (200) webhooks/s, ACK p50/p99;
 *   1m. the same over the mix (target for both: >= 1.0x the one-row-insert baseline);
 *   2. half load: open loop at 50% of phase 1: ACK p99 (target < 25 ms);
 *   3. sustained: the max accepted rate of phase 1, open loop, for BENCH_SUSTAIN_SECONDS (60):
 *      processing lag ACK -> message row p50/p99 (target p99 < 1 s), the queue drained within
 *      2 s of the last ACK, and per message: statements the app sent (counted in the app, see
 *      query-stats.preload.js: pg_stat_statements needs a server restart), transactions of the
 *      bench's databases (pg_stat_database) and WAL (pg_current_wal_lsn: the whole server's);
 * and, in the same run, the baselines: a bare node:http server answering 200 to the same POSTs
 * driven the same way, and one-row-insert transactions into the same database. CPU per process
 * is sampled in every phase; PostgreSQL's share counts only the bench's own databases' backends
 * (other databases of a shared server show as "other databases").
 *
 * Knobs (environment): BENCH_PHASE_SECONDS (10), BENCH_SUSTAIN_SECONDS (60), BENCH_SUSTAIN_RATE
 * (phase 1's rate), BENCH_BASELINE_SECONDS (5), BENCH_CONNECTIONS (32), BENCH_MIX_TENANTS (50),
 * BENCH_MIX_PAGES (200; 0 skips phase 1m), BENCH_WORKERS (on; `off` measures the ACK path alone,
 * and phase 3 then reports everything unprocessed), BENCH_TIMELINE (off; `1` also prints phases 2
 * and 3 in 500 ms slices), BENCH_SYNC (on; `off` skips the page-cache flush before each measured
 * run, see settleDisk), BENCH_CPU_PROFILE (a path: a CPU profile of the app during phase 1, see
 * bench/profile-summary.ts), BENCH_STATEMENTS (how many of the most frequent statements of
 * phase 3 to list, 12), BENCH_WITHOUT (a comma list of per-message write costs to take out of the
 * bench's databases after the app migrated them, to measure what each costs: `summary` drops the
 * ConversationSummary triggers on messages, `day-words` drops messages_day_words_idx; the inbox
 * list and the day-by-day search are then wrong in those databases, which only the bench uses).
 * BENCH_WAL_RELATIONS (`1`: phase 3's WAL per message by relation, read with pg_waldump from the
 * server's own files: a local server and read access to its data directory; a temporary replication
 * slot keeps the server from recycling them meanwhile).
 * Only 127.0.0.1 is contacted; every loop is bounded in count and time.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { signMetaBody } from '../src/channels/meta/meta-signature';
import type { FakeGraphServer } from '../test/fakes/fake-graph.server';
import { META_APP_SECRET, messengerMessage, platformId } from '../test/support/meta';
import { BenchEnvironment, describeServer, envNumber, int, ms, note, sleep, withTimeout } from './bench-environment';
import { stopProfile } from './cpu-profile';
import { cpuPercent, cpuSample, parentPid } from './ingest-cpu';
import { LoadResult, percentile, rawPost, runLoad } from './ingest-load';
import { benchKnobs, recordPrintedFigures } from './bench-results';
import { statementLines, statementWindow } from './query-stats';
import { retainWal, walByRelation } from './wal-by-relation';

const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;
const QUERY_STATS = join(tmpdir(), `mm-ingest-query-stats-${process.pid}.json`);
const PHASE_S = envNumber('BENCH_PHASE_SECONDS', 10, 1, 30);
const BASELINE_S = envNumber('BENCH_BASELINE_SECONDS', 5, 1, 30);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 32, 1, 256);
const SUSTAIN_S = envNumber('BENCH_SUSTAIN_SECONDS', 60, 1, 120);
const SUSTAIN_RATE = process.env.BENCH_SUSTAIN_RATE ? envNumber('BENCH_SUSTAIN_RATE', 1000, 10, 20_000) : undefined;
const MIX_TENANTS = envNumber('BENCH_MIX_TENANTS', 50, 1, 200);
const MIX_PAGES = envNumber('BENCH_MIX_PAGES', 200, 0, 1000);
const TOP_STATEMENTS = envNumber('BENCH_STATEMENTS', 12, 0, 100);
/** Per-message write costs the bench can take out (BENCH_WITHOUT), each as the statements that remove it. */
const REMOVABLE: Record<string, string[]> = {
  summary: ['messages_summary_insert', 'messages_summary_delete', 'messages_summary_update'].map((t) => `drop trigger ${t} on messages`),
  'day-words': ['drop index messages_day_words_idx'],
};
const WITHOUT = (process.env.BENCH_WITHOUT ?? '')
  .split(',')
  .map((w) => w.trim())
  .filter(Boolean);
for (const w of WITHOUT) if (!REMOVABLE[w]) throw new Error(`BENCH_WITHOUT: unknown ${w} (known: ${Object.keys(REMOVABLE).join(', ')})`);
/** The targets of issue 20. */
const TARGET_VS_INSERT = 1.0;
const TARGET_HALF_P99_MS = 25;
const TARGET_LAG_P99_MS = 1000;
const TARGET_DRAIN_MS = 2000;
/** Insert-baseline clients: the app's pool per region has 10 connections (region-databases.ts). */
const PG_CLIENTS = 10;
const WARMUP_S = 2;
/** Between phases: wait this long for the inbound queue to drain, then purge what is left. */
const DRAIN_BOUND_MS = 8_000;
/** After phase 3: how long its messages may take to appear before they count as "not processed". */
const LAG_BOUND_MS = 25_000;
/** The whole run, setup to cleanup; past it the bench cleans up and exits 2. */
const RUN_BOUND_MS = 480_000;
const SENDERS = 500;
const WEBHOOK_PATH = '/webhooks/meta';

const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
const pct = (n: number) => (Number.isFinite(n) ? `${(100 * n).toFixed(0)}%` : 'n/a');
const secs = (n: number) => (Number.isFinite(n) ? `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s` : 'unprocessed');

// ---------------------------------------------------------------------------------------------
// Webhooks, built and signed before any timing starts.

interface WebhookPool {
  phase: string;
  requests: Buffer[];
}

/** Webhook i goes to page i mod pages: one hot Page, or a mix spread evenly over many. */
function buildWebhooks(phase: string, pages: string | readonly string[], count: number): WebhookPool {
  const pageIds = typeof pages === 'string' ? [pages] : pages;
  const requests = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) {
    const pageId = pageIds[i % pageIds.length];
    const psid = String(7_100_000_000_000_000 + (i % SENDERS));
    const raw = JSON.stringify(messengerMessage(pageId, psid, `bench ${phase} message ${i}: where is my order?`, midOf(phase, i)));
    requests[i] = rawPost(WEBHOOK_PATH, raw, { 'x-hub-signature-256': signMetaBody(META_APP_SECRET, raw) });
  }
  return { phase, requests };
}
const midOf = (phase: string, i: number) => `m_bench_${phase}_${i}`;
const midPattern = (phase: string) => `m\\_bench\\_${phase}\\_%`;

// ---------------------------------------------------------------------------------------------
// The app's side: setup, queue state, lag.

async function signupAndConnect(url: string, graph: FakeGraphServer): Promise<{ pageId: string }> {
  const signup = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizationName: 'Ingest Bench', email: `bench-${randomUUID()}@example.test`, password: 'a long enough password' }),
  });
  const account = (await signup.json()) as { accessToken?: string };
  if (signup.status !== 201 || !account.accessToken) throw new Error(`signup answered ${signup.status}: ${JSON.stringify(account)}`);
  const pageId = platformId();
  graph.page(pageId, 'bench-page-access-token');
  const channel = await fetch(`${url}/api/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${account.accessToken}` },
    body: JSON.stringify({ kind: 'messenger', name: 'Bench Page', config: { pageId }, credentials: { pageAccessToken: 'bench-page-access-token' } }),
  });
  if (channel.status !== 201) throw new Error(`connecting the channel answered ${channel.status}: ${await channel.text()}`);
  return { pageId };
}

/**
 * The mix: `tenants` organizations with `pages` Pages between them (round robin), signed up and
 * connected over HTTP as Customers do. Sign-ups from one address are throttled (10 an hour), so
 * the bench clears its own throttle bucket as it goes: its databases are its own.
 */
async function connectMix(url: string, graph: FakeGraphServer, owner: Pool, tenants: number, pages: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let t = 0; t < tenants; t++) {
    if (t % 8 === 0) await owner.query(`delete from directory.auth_throttle where bucket = 'signup_address'`);
    const signup = await fetch(`${url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationName: `Ingest Mix ${t}`, email: `bench-mix-${randomUUID()}@example.test`, password: 'a long enough password' }),
    });
    const account = (await signup.json()) as { accessToken?: string };
    if (signup.status !== 201 || !account.accessToken) throw new Error(`mix signup ${t} answered ${signup.status}: ${JSON.stringify(account)}`);
    tokens.push(account.accessToken);
  }
  const pageIds: string[] = [];
  for (let i = 0; i < pages; i++) {
    const pageId = platformId();
    const token = `bench-mix-token-${i}`;
    graph.page(pageId, token);
    const channel = await fetch(`${url}/api/channels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tenants]}` },
      body: JSON.stringify({ kind: 'messenger', name: `Mix Page ${i}`, config: { pageId }, credentials: { pageAccessToken: token } }),
    });
    if (channel.status !== 201) throw new Error(`connecting mix page ${i} answered ${channel.status}: ${await channel.text()}`);
    pageIds.push(pageId);
  }
  return pageIds;
}

async function queueState(db: Pool, phase: string): Promise<{ jobs: number; messages: number }> {
  const { rows } = await db.query(
    `select (select count(*) from queue.jobs where kind = 'inbound')::int as jobs,
            (select count(*) from messages where external_id like $1)::int as messages`,
    [midPattern(phase)],
  );
  return rows[0];
}

interface Drain {
  drained: boolean;
  ms: number;
  jobsAtStart: number;
  jobsLeft: number;
  /** Inbound jobs finished per second while waiting. */
  rate: number;
}

/** Polls until the inbound queue is empty and `expected` messages of `phase` exist, at most `boundMs`. */
async function waitDrained(db: Pool, phase: string, expected: number, boundMs: number): Promise<Drain> {
  const start = performance.now();
  const first = await queueState(db, phase);
  let last = first;
  while (!(last.jobs === 0 && last.messages >= expected) && performance.now() - start < boundMs) {
    await sleep(200);
    last = await queueState(db, phase);
  }
  const elapsed = performance.now() - start;
  return {
    drained: last.jobs === 0 && last.messages >= expected,
    ms: elapsed,
    jobsAtStart: first.jobs,
    jobsLeft: last.jobs,
    rate: elapsed > 0 ? ((first.jobs - last.jobs) * 1000) / elapsed : NaN,
  };
}

/**
 * Leftover backlog of one phase would be processed during the next and blur its figures: the jobs
 * nobody holds are deleted, and the batches being worked on are waited for (bounded). Deleting a
 * held job would make its batch lose its lease and redo every event one by one, during the next phase.
 */
async function purgeQueue(db: Pool): Promise<number> {
  const { rowCount } = await db.query(`delete from queue.jobs where kind = 'inbound' and (leased_until is null or leased_until < now())`);
  const start = performance.now();
  while (performance.now() - start < DRAIN_BOUND_MS) {
    const { rows } = await db.query(`select count(*)::int as n from queue.jobs where kind = 'inbound'`);
    if (rows[0].n === 0) break;
    await sleep(200);
    await db.query(`delete from queue.jobs where kind = 'inbound' and (leased_until is null or leased_until < now())`);
  }
  return rowCount ?? 0;
}

async function storedCount(db: Pool, phase: string): Promise<number> {
  const { rows } = await db.query(`select count(*)::int as n from inbound_events where dedupe_key like $1`, [`mid:${midPattern(phase)}`]);
  return rows[0].n;
}

interface Lag {
  accepted: number;
  processed: number;
  /** ACK seen by the client -> messages.created_at, ms, ascending; unprocessed ones as Infinity. */
  ackToMessage: number[];
  /** inbound_events.received_at -> messages.created_at (both the database's clock), ms; unprocessed as Infinity. */
  receivedToMessage: number[];
}

async function measureLag(db: Pool, phase: string, load: LoadResult): Promise<Lag> {
  const { rows } = await db.query<{ external_id: string; created_ms: number; received_ms: number }>(
    `select m.external_id,
            extract(epoch from m.created_at)::float8 * 1000 as created_ms,
            extract(epoch from e.received_at)::float8 * 1000 as received_ms
     from messages m
     join inbound_events e on e.tenant_id = m.tenant_id and e.channel_id = m.channel_id and e.dedupe_key = 'mid:' || m.external_id
     where m.external_id like $1`,
    [midPattern(phase)],
  );
  const prefix = `m_bench_${phase}_`.length;
  const created = new Map<number, { created: number; received: number }>();
  for (const r of rows) created.set(Number(r.external_id.slice(prefix)), { created: r.created_ms, received: r.received_ms });
  const ackToMessage: number[] = [];
  const receivedToMessage: number[] = [];
  let accepted = 0;
  for (let i = 0; i < load.status.length; i++) {
    if (load.status[i] !== 200) continue;
    accepted++;
    const row = created.get(i);
    ackToMessage.push(row ? row.created - load.ackWallMs[i] : Infinity);
    receivedToMessage.push(row ? row.created - row.received : Infinity);
  }
  ackToMessage.sort((a, b) => a - b);
  receivedToMessage.sort((a, b) => a - b);
  return { accepted, processed: rows.length, ackToMessage, receivedToMessage };
}

// ---------------------------------------------------------------------------------------------
// Baselines.

/** A bare node:http server in its own process, answering 200 with a small JSON body to any POST. */
async function startBareServer(): Promise<{ port: number; child: ChildProcess }> {
  const code = `
    const http = require('node:http');
    const body = Buffer.from('{"received":true,"stored":1}');
    const server = http.createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }); res.end(body); });
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
    setTimeout(() => process.exit(0), ${RUN_BOUND_MS}).unref();
    process.on('SIGTERM', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.once('exit', (c) => reject(new Error(`bare server exited with ${c}`)));
    }),
    10_000,
    'starting the bare server',
  );
  return { port, child };
}

interface InsertBaseline {
  tps: number;
  p50: number;
  p99: number;
}

/** `begin; insert one row; commit` in a loop on PG_CLIENTS connections into a scratch table. */
async function insertBaseline(url: string, durationMs: number, payload: string): Promise<InsertBaseline> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create table bench_ingest_scratch (id bigint generated always as identity primary key, k text not null unique, payload jsonb not null)`);
  const clients = await Promise.all(
    Array.from({ length: PG_CLIENTS }, async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const perClientCap = 200_000;
  const latencies: number[] = [];
  const t0 = performance.now();
  const end = t0 + durationMs;
  let last = t0;
  try {
    const counts = await Promise.all(
      clients.map(async (c, w) => {
        let n = 0;
        while (n < perClientCap && performance.now() < end) {
          const s = performance.now();
          await c.query('begin');
          await c.query('insert into bench_ingest_scratch (k, payload) values ($1, $2)', [`${w}:${n}`, payload]);
          await c.query('commit');
          const now = performance.now();
          latencies.push(now - s);
          if (now > last) last = now;
          n++;
        }
        return n;
      }),
    );
    latencies.sort((a, b) => a - b);
    const total = counts.reduce((a, b) => a + b, 0);
    return { tps: (total * 1000) / (last - t0), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await admin.query(`drop table if exists bench_ingest_scratch`).catch(() => undefined);
    await admin.end();
  }
}

// ---------------------------------------------------------------------------------------------

interface PhaseFigures {
  load: LoadResult;
  accepted: number;
  acceptedPerS: number;
  p50: number;
  p99: number;
  other: string;
}

/**
 * Flushes the OS page cache (`sync`) before a measured run. Linux writes dirty pages back about
 * 30 s after they were written, in bursts. Measured here: ~100 MB written to the disk within
 * 100 ms (/proc/diskstats) while an unrelated file's fdatasync stalled for 86 ms, and so did the
 * ACK's commit; the bench's setup, the insert baseline and the max phase left those pages behind
 * less than 30 s earlier, so the stall fell on phase 2 in most runs. Each run now starts clean
 * and pays only for its own writes. Returns how long the flush took (ms).
 */
function settleDisk(): number {
  if (process.env.BENCH_SYNC === 'off') return NaN;
  const start = performance.now();
  execFileSync('sync', { timeout: 60_000 });
  return performance.now() - start;
}

/** The server's WAL insert position: WAL volume is what the ACK path's fsyncs wait on. */
async function walPosition(db: Pool): Promise<string> {
  return (await db.query(`select pg_current_wal_insert_lsn()::text as lsn`)).rows[0].lsn;
}
async function walBytes(db: Pool, from: string, to: string): Promise<number> {
  return Number((await db.query(`select pg_wal_lsn_diff($2, $1)::float8 as n`, [from, to])).rows[0].n);
}

/** ACK latency per 500 ms slice of a phase (by the time each request counted from). */
function timeline(name: string, load: LoadResult): string[] {
  const sliceMs = 500;
  const slices: number[][] = [];
  for (let i = 0; i < load.latencyByIndex.length; i++) {
    if (!Number.isFinite(load.latencyByIndex[i])) continue;
    (slices[Math.floor(load.fromMs[i] / sliceMs)] ??= []).push(load.latencyByIndex[i]);
  }
  const out = [`ACK latency of ${name} per ${sliceMs} ms (from / n / p50 / p99 / max, ms):`];
  slices.forEach((l, k) => {
    l.sort((a, b) => a - b);
    out.push(
      `  ${String(k * sliceMs).padStart(6)}  ${String(l.length).padStart(5)}  ${ms(percentile(l, 50)).padStart(6)}  ${ms(percentile(l, 99)).padStart(6)}  ${ms(l[l.length - 1]).padStart(6)}`,
    );
  });
  return out;
}

function figures(load: LoadResult): PhaseFigures {
  const accepted = load.statusCounts['200'] ?? 0;
  const other = Object.entries(load.statusCounts)
    .filter(([code]) => code !== '200')
    .map(([code, n]) => `${n}x${code}`);
  if (load.errors) other.push(`${load.errors} errors`);
  if (load.unsent) other.push(`${load.unsent} unsent`);
  return {
    load,
    accepted,
    acceptedPerS: (accepted * 1000) / load.elapsedMs,
    p50: percentile(load.latencyMs, 50),
    p99: percentile(load.latencyMs, 99),
    other: other.length ? other.join(', ') : 'none',
  };
}

/** The bench's own databases, by name: their backends are PostgreSQL's share of the CPU, their transactions the bench's. */
async function ourBackends(db: Pool, names: string[]): Promise<Set<number>> {
  const { rows } = await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = any($1)`, [names]);
  return new Set(rows.map((r) => r.pid));
}

/** Committed and rolled-back transactions: of the bench's databases, and of all the others (a shared server's other work). */
async function transactions(db: Pool, names: string[]): Promise<{ ours: number; others: number }> {
  const { rows } = await db.query<{ ours: string; others: string }>(
    `select coalesce(sum(xact_commit + xact_rollback) filter (where datname = any($1)), 0) as ours,
            coalesce(sum(xact_commit + xact_rollback) filter (where datname is not null and not datname = any($1)), 0) as others
     from pg_stat_database`,
    [names],
  );
  return { ours: Number(rows[0].ours), others: Number(rows[0].others) };
}

/** The app's resident memory now and at its peak (VmRSS, VmHWM from /proc), MB; NaN off Linux. */
function memoryOf(pid: number | undefined): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** Which resource bounded a phase: the CPU split, read off as a sentence. */
function boundBy(c: Record<string, number>, cores: number): string {
  const busy = c.machine;
  const top = (['app', 'postgres', 'bench', 'pgOther', 'other'] as const)
    .map((k) => [k, c[k] ?? 0] as const)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([k, v]) =>
        `${{ app: 'the app', postgres: 'PostgreSQL (bench databases)', bench: 'the load generator', pgOther: 'other databases', other: 'other processes' }[k]} ${v.toFixed(0)}%`,
    )
    .join(', ');
  if (c.app >= 90) return `the app is CPU-bound (its one event loop at ${c.app.toFixed(0)}% of a core); ${top}`;
  if (busy >= cores * 100 * 0.9) return `the machine is CPU-bound (${busy.toFixed(0)}% of ${cores * 100}%): ${top}`;
  return `neither is CPU-bound (machine ${busy.toFixed(0)}% of ${cores * 100}%): waiting, not work; ${top}`;
}

async function main(): Promise<number> {
  recordPrintedFigures('ingest', benchKnobs());
  const runStart = performance.now();
  const server = describeServer();
  const bench = new BenchEnvironment('mm_bench_ingest', RUN_BOUND_MS);
  let bare: ChildProcess | undefined;
  bench.onCleanup(() => bare?.kill('SIGTERM'));
  const workersOff = process.env.BENCH_WORKERS === 'off';

  return bench.run(async () => {
    const nodeArgs = ['-r', join(__dirname, 'query-stats.preload.js'), ...(CPU_PROFILE ? ['-r', join(__dirname, 'cpu-profile.preload.js')] : [])];
    const { dbs, app, owner } = await bench.start({ max: 3 }, { nodeArgs, env: { BENCH_QUERY_STATS: QUERY_STATS, BENCH_CPU_PROFILE: CPU_PROFILE } });
    const appPid = app.pid;
    for (const url of Object.values(dbs.urls)) {
      if (WITHOUT.length === 0) break;
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        for (const w of WITHOUT) for (const sql of REMOVABLE[w]) await c.query(sql);
      } finally {
        await c.end();
      }
    }
    const { pageId } = await signupAndConnect(app.url, bench.graph);
    const pgVersion = (await owner.query('show server_version')).rows[0].server_version as string;
    const appPort = app.port;
    const postmaster = parentPid((await owner.query('select pg_backend_pid() as pid')).rows[0].pid);
    const dbNames = Object.values(dbs.urls).map((u) => new URL(u).pathname.slice(1));
    let ours = await ourBackends(owner, dbNames);
    const sample = (pids: Record<string, number | undefined>) => cpuSample(pids, postmaster, ours);
    const cores = cpus().length;

    // One webhook end to end before any load: it must be accepted, stored and processed.
    {
      const { requests } = buildWebhooks('check', pageId, 1);
      const r = await runLoad({ host: '127.0.0.1', port: appPort, requests, connections: 1, durationMs: 5_000, graceMs: 5_000 });
      if (r.statusCounts['200'] !== 1)
        throw new Error(`a single signed webhook was not accepted: ${JSON.stringify(r.statusCounts)}\n${app.output.slice(-3000)}`);
      const d = await waitDrained(owner, 'check', 1, workersOff ? 0 : 10_000);
      if (!d.drained && !workersOff) throw new Error(`the accepted webhook did not become a message within 10 s\n${app.output.slice(-3000)}`);
    }

    let mixPages: string[] = [];
    if (MIX_PAGES > 0) {
      note(`connecting the mix: ${MIX_PAGES} Pages across ${MIX_TENANTS} organizations`);
      mixPages = await connectMix(app.url, bench.graph, owner, Math.min(MIX_TENANTS, MIX_PAGES), MIX_PAGES);
    }

    note(`warming up: ${WARMUP_S} s at ${CONNECTIONS} connections`);
    const warm = figures(
      await runLoad({
        host: '127.0.0.1',
        port: appPort,
        requests: buildWebhooks('w', mixPages.length ? [pageId, ...mixPages] : pageId, 20_000).requests,
        connections: CONNECTIONS,
        durationMs: WARMUP_S * 1000,
      }),
    );
    const warmDrain = await waitDrained(owner, 'w', warm.accepted, DRAIN_BOUND_MS);
    const warmPurged = warmDrain.drained ? 0 : await purgeQueue(owner);
    ours = await ourBackends(owner, dbNames);

    // The max-phase pools: distinct webhooks, three times what the warm-up rate would need (the warm-up runs cold: bounded below and above).
    const maxPoolSize = Math.min(150_000, Math.max(20_000, Math.ceil(warm.acceptedPerS * PHASE_S * 3)));
    note(`building ${int(maxPoolSize)} signed webhooks for each max phase`);
    const maxPool = buildWebhooks('p1', pageId, maxPoolSize);
    const mixPool = mixPages.length ? buildWebhooks('pm', mixPages, maxPoolSize) : undefined;

    const syncMs: number[] = [];
    note(`baseline: one-row insert transactions, ${PG_CLIENTS} clients, ${BASELINE_S} s`);
    syncMs.push(settleDisk());
    const sampleItem = JSON.stringify({
      item: messengerMessage(pageId, '7100000000000000', 'bench baseline message 0: where is my order?', 'm_bench_baseline_0').entry[0].messaging[0],
    });
    const insertCpu0 = sample({ bench: process.pid });
    const inserts = await insertBaseline(dbs.urls.eu, BASELINE_S * 1000, sampleItem);
    const insertCpu = cpuPercent(insertCpu0, sample({ bench: process.pid }));

    note(`baseline: bare node:http server, ${CONNECTIONS} connections, ${BASELINE_S} s`);
    const bareServer = await startBareServer();
    bare = bareServer.child;
    await runLoad({
      host: '127.0.0.1',
      port: bareServer.port,
      requests: maxPool.requests,
      cycle: true,
      maxRequests: 200_000,
      connections: CONNECTIONS,
      durationMs: 1000,
    });
    const bareCpu0 = sample({ server: bare.pid, bench: process.pid });
    const bareRun = figures(
      await runLoad({
        host: '127.0.0.1',
        port: bareServer.port,
        requests: maxPool.requests,
        cycle: true,
        maxRequests: 400_000,
        connections: CONNECTIONS,
        durationMs: BASELINE_S * 1000,
      }),
    );
    const bareCpu = cpuPercent(bareCpu0, sample({ server: bare.pid, bench: process.pid }));
    bare.kill('SIGTERM');
    bare = undefined;

    /** A closed-loop max phase: figures, CPU, drain; what did not drain is purged so the next phase starts clean. */
    const maxPhase = async (pool: WebhookPool, profile: boolean) => {
      syncMs.push(settleDisk());
      if (profile && CPU_PROFILE) process.kill(appPid!, 'SIGWINCH');
      const cpu0 = sample({ app: appPid, bench: process.pid });
      const f = figures(await runLoad({ host: '127.0.0.1', port: appPort, requests: pool.requests, connections: CONNECTIONS, durationMs: PHASE_S * 1000 }));
      const cpu = cpuPercent(cpu0, sample({ app: appPid, bench: process.pid }));
      if (profile && CPU_PROFILE) await stopProfile(appPid!, CPU_PROFILE);
      const poolOut = f.load.sent >= pool.requests.length;
      const drain = await waitDrained(owner, pool.phase, f.accepted, DRAIN_BOUND_MS);
      const stored = await storedCount(owner, pool.phase);
      const purged = drain.drained ? 0 : await purgeQueue(owner);
      return { f, cpu, poolOut, drain, stored, purged };
    };

    note(`phase 1: max throughput, one hot Page, ${CONNECTIONS} connections, ${PHASE_S} s`);
    const p1 = await maxPhase(maxPool, true);
    let pm: Awaited<ReturnType<typeof maxPhase>> | undefined;
    if (mixPool) {
      note(`phase 1m: max throughput, ${MIX_PAGES} Pages across ${MIX_TENANTS} organizations, ${CONNECTIONS} connections, ${PHASE_S} s`);
      pm = await maxPhase(mixPool, false);
    }

    const halfRate = Math.max(1, Math.round(p1.f.acceptedPerS / 2));
    note(`phase 2: half load, ${int(halfRate)}/s for ${PHASE_S} s`);
    const p2Pool = buildWebhooks('p2', pageId, halfRate * PHASE_S);
    syncMs.push(settleDisk());
    let cpu0 = sample({ app: appPid, bench: process.pid });
    const p2 = figures(
      await runLoad({ host: '127.0.0.1', port: appPort, requests: p2Pool.requests, connections: CONNECTIONS, durationMs: PHASE_S * 1000, rate: halfRate }),
    );
    const p2Cpu = cpuPercent(cpu0, sample({ app: appPid, bench: process.pid }));
    const p2Drain = await waitDrained(owner, 'p2', p2.accepted, DRAIN_BOUND_MS);
    const p2Purged = p2Drain.drained ? 0 : await purgeQueue(owner);

    const lagRate = SUSTAIN_RATE ?? Math.max(1, Math.floor(p1.f.acceptedPerS));
    note(`phase 3: sustained, ${int(lagRate)}/s for ${SUSTAIN_S} s, then processing lag`);
    const p3Pool = buildWebhooks('p3', pageId, lagRate * SUSTAIN_S);
    syncMs.push(settleDisk());
    await statementWindow(appPid, QUERY_STATS, false);
    const tx0 = await transactions(owner, dbNames);
    const releaseWal = process.env.BENCH_WAL_RELATIONS === '1' ? await retainWal(dbs.urls.eu).catch(() => undefined) : undefined;
    const wal0 = await walPosition(owner);
    cpu0 = sample({ app: appPid, bench: process.pid });
    // Leak check: the app's memory a quarter into the sustained load, at its middle and at its end (the same load all along).
    const rssAt = [memoryOf(appPid).rss];
    const rssTimers = [0.25, 0.5].map((f) => setTimeout(() => rssAt.push(memoryOf(appPid).rss), f * SUSTAIN_S * 1000));
    const p3 = figures(
      await runLoad({ host: '127.0.0.1', port: appPort, requests: p3Pool.requests, connections: CONNECTIONS, durationMs: SUSTAIN_S * 1000, rate: lagRate }),
    );
    rssTimers.forEach(clearTimeout);
    rssAt.push(memoryOf(appPid).rss);
    const p3Cpu = cpuPercent(cpu0, sample({ app: appPid, bench: process.pid }));
    const p3Drain = await waitDrained(owner, 'p3', p3.accepted, LAG_BOUND_MS);
    // CPU milliseconds per accepted message, phase 3 start to drained (ACK and processing): far less sensitive to other work than rates.
    const p3End = sample({ app: appPid, bench: process.pid });
    const cpuMsPerMessage = (k: 'app' | 'postgres') => ((p3End.seconds[k] - cpu0.seconds[k]) * 1000) / Math.max(1, p3.accepted);
    const wal1 = await walPosition(owner);
    const stats = await statementWindow(appPid, QUERY_STATS, true);
    await sleep(1100); // pg_stat_database is updated at most once a second per backend
    const tx1 = await transactions(owner, dbNames);
    const lag = await measureLag(owner, 'p3', p3.load);
    const failed = (await owner.query(`select count(*)::int as n from inbound_events where state = 'failed'`)).rows[0].n as number;
    const perMessage = (n: number) => n / Math.max(1, p3.accepted);
    const statementCalls = stats ? stats.statements.reduce((a, s) => a + s.calls, 0) : NaN;
    const ackCalls = stats ? stats.statements.filter((s) => /inbox_store/.test(s.text)).reduce((a, s) => a + s.calls, 0) : NaN;
    const walPerMessage = perMessage(await walBytes(owner, wal0, wal1));
    const walRelations = releaseWal ? await walByRelation(owner, wal0, wal1).catch(() => undefined) : undefined;
    await releaseWal?.();

    // -------------------------------------------------------------------------------------------
    const lagP50 = percentile(lag.ackToMessage, 50);
    const lagP99 = percentile(lag.ackToMessage, 99);
    const doneLags = lag.ackToMessage.filter(Number.isFinite);
    const vsInsert = p1.f.acceptedPerS / inserts.tps;
    const mixVsInsert = pm ? pm.f.acceptedPerS / inserts.tps : NaN;
    const vsBare = p1.f.acceptedPerS / bareRun.acceptedPerS;
    const drainAfterLastAck = p3Drain.drained ? p3Drain.ms : Infinity;
    const cpuLine = (c: Record<string, number>) =>
      `app ${(c.app ?? 0).toFixed(0)}, postgres ${c.postgres.toFixed(0)}, load gen ${c.bench.toFixed(0)}, other databases ${c.pgOther.toFixed(0)}, other processes ${c.other.toFixed(0)}`;
    const drainNote = (d: Drain, purged: number) =>
      d.drained ? `drained in ${secs(d.ms)}` : `${int(d.jobsLeft)} jobs left after ${secs(d.ms)} (${int(d.rate)}/s), purged ${int(purged)}`;
    const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

    const rows: Array<[string, string, string, string]> = [
      ['Figure', 'Value', 'Target', 'Verdict'],
      [
        '1. max, one hot Page: accepted/s (200)',
        `${int(p1.f.acceptedPerS)}/s = ${ratio(vsInsert)} of inserts`,
        `>= ${ratio(TARGET_VS_INSERT)}`,
        verdict(vsInsert >= TARGET_VS_INSERT),
      ],
      ['   ACK latency p50 / p99', `${ms(p1.f.p50)} / ${ms(p1.f.p99)} ms`, '', ''],
      [
        '   accepted / stored rows / not 200',
        `${int(p1.f.accepted)} / ${int(p1.stored)} / ${p1.f.other}`,
        'equal',
        p1.stored === p1.f.accepted ? 'ok' : 'MISMATCH',
      ],
      ...(pm
        ? ([
            [
              `1m. max, ${MIX_PAGES} Pages / ${MIX_TENANTS} orgs: accepted/s`,
              `${int(pm.f.acceptedPerS)}/s = ${ratio(mixVsInsert)} of inserts`,
              `>= ${ratio(TARGET_VS_INSERT)}`,
              verdict(mixVsInsert >= TARGET_VS_INSERT),
            ],
            ['   ACK latency p50 / p99', `${ms(pm.f.p50)} / ${ms(pm.f.p99)} ms`, '', ''],
            [
              '   accepted / stored rows / not 200',
              `${int(pm.f.accepted)} / ${int(pm.stored)} / ${pm.f.other}`,
              'equal',
              pm.stored === pm.f.accepted ? 'ok' : 'MISMATCH',
            ],
          ] as Array<[string, string, string, string]>)
        : []),
      ['2. half load: offered', `${int(halfRate)}/s (${int(p2.acceptedPerS)}/s accepted)`, '', ''],
      ['   ACK latency p50 / p99', `${ms(p2.p50)} / ${ms(p2.p99)} ms`, `p99 < ${TARGET_HALF_P99_MS} ms`, verdict(p2.p99 < TARGET_HALF_P99_MS)],
      ['   not 200', p2.other, '', ''],
      [`3. sustained ${int(lagRate)}/s, ${SUSTAIN_S} s: accepted`, `${int(p3.acceptedPerS)}/s, ACK p99 ${ms(p3.p99)} ms, not 200: ${p3.other}`, '', ''],
      ['   lag ACK -> message row p50 / p99', `${secs(lagP50)} / ${secs(lagP99)}`, `p99 < ${secs(TARGET_LAG_P99_MS)}`, verdict(lagP99 < TARGET_LAG_P99_MS)],
      ['   lag received_at -> message p50 / p99', `${secs(percentile(lag.receivedToMessage, 50))} / ${secs(percentile(lag.receivedToMessage, 99))}`, '', ''],
      [
        '   processed / accepted',
        `${int(lag.processed)} / ${int(lag.accepted)}` +
          (doneLags.length ? ` (lag of those: p50 ${secs(percentile(doneLags, 50))}, max ${secs(doneLags[doneLags.length - 1])})` : ''),
        '',
        '',
      ],
      [
        '   queue drained after the last ACK',
        p3Drain.drained ? `in ${secs(p3Drain.ms)}` : `no: ${int(p3Drain.jobsLeft)} jobs left after ${secs(p3Drain.ms)}`,
        `< ${secs(TARGET_DRAIN_MS)}`,
        verdict(drainAfterLastAck < TARGET_DRAIN_MS),
      ],
      [
        '   per message: statements (ACK path)',
        stats ? `${(statementCalls / Math.max(1, p3.accepted)).toFixed(2)} (${(ackCalls / Math.max(1, p3.accepted)).toFixed(3)})` : 'n/a',
        '',
        '',
      ],
      [
        '   per message: CPU app / PostgreSQL',
        `${cpuMsPerMessage('app').toFixed(3)} / ${cpuMsPerMessage('postgres').toFixed(3)} ms (start to drained)`,
        '',
        '',
      ],
      ['   per message: transactions', `${perMessage(tx1.ours - tx0.ours).toFixed(3)} (other databases meanwhile: ${int(tx1.others - tx0.others)})`, '', ''],
      ['   per message: WAL', `${(walPerMessage / 1024).toFixed(2)} KB (whole server)`, '', ''],
      [
        '   app memory: RSS at 0 / 25 / 50 / 100%',
        `${rssAt.map((m) => int(m)).join(' / ')} MB, peak ${int(memoryOf(appPid).peak)} MB (second half: ${rssAt.length === 4 ? `${rssAt[3] - rssAt[2] >= 0 ? '+' : ''}${int(rssAt[3] - rssAt[2])} MB` : 'n/a'})`,
        '',
        '',
      ],
      ['4a. bare node:http: max req/s', `${int(bareRun.acceptedPerS)}/s, p50 / p99 ${ms(bareRun.p50)} / ${ms(bareRun.p99)} ms`, '', ''],
      ['4b. one-row insert tx/s', `${int(inserts.tps)}/s (${PG_CLIENTS} clients, tx p50 / p99 ${ms(inserts.p50)} / ${ms(inserts.p99)} ms)`, '', ''],
      ['app max / bare http', pct(vsBare), '', ''],
    ];
    const width = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]) =>
      r
        .map((cell, c) => cell.padEnd(width[c]))
        .join('  ')
        .trimEnd();
    const topStatements =
      stats && TOP_STATEMENTS > 0
        ? [
            `Statements the app sent in phase 3 (start to drained), per message, with their mean round trip: ${int(statementCalls)} over ${int(p3.accepted)} messages`,
            ...statementLines(stats, p3.accepted, TOP_STATEMENTS),
          ]
        : [];
    // What the app logged as warnings or errors (a batch that fell back to one by one, a lost lease...): counted by text.
    const logged = new Map<string, number>();
    for (const l of app.output.split('\n')) {
      if (!/\b(WARN|ERROR)\b/.test(l)) continue;
      const text = l
        .replace(/^.*?\b(WARN|ERROR)\b\s*/, '$1 ')
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')
        .replace(/\d+/g, 'N')
        .slice(0, 150);
      logged.set(text, (logged.get(text) ?? 0) + 1);
    }
    const out = [
      '',
      `MonkeyMachine ingest bench: signed Messenger webhooks -> POST ${WEBHOOK_PATH} over 127.0.0.1`,
      `${server}, PostgreSQL ${pgVersion}; node ${process.version}; ${cores} cores; ${CONNECTIONS} connections; phases ${PHASE_S} s, sustained ${SUSTAIN_S} s, baselines ${BASELINE_S} s; workers ${workersOff ? 'off' : 'on'}${WITHOUT.length ? `; without ${WITHOUT.join(', ')}` : ''}; load average at start ${loadavg()[0].toFixed(2)}`,
      '',
      line(rows[0]),
      line(width.map((w) => '-'.repeat(w))),
      ...rows.slice(1).map(line),
      '',
      `CPU, % of one core (${cores * 100} = all):`,
      `  max, hot Page:  ${cpuLine(p1.cpu)}`,
      ...(pm ? [`  max, mix:       ${cpuLine(pm.cpu)}`] : []),
      `  half load:      ${cpuLine(p2Cpu)}`,
      `  sustained:      ${cpuLine(p3Cpu)}`,
      `  insert baseline: its clients ${insertCpu.bench.toFixed(0)}, other processes ${(insertCpu.other + insertCpu.postgres + insertCpu.pgOther).toFixed(0)} (its own backends end with it, so PostgreSQL's share is not told apart here)`,
      `  bare http:      server ${bareCpu.server.toFixed(0)}, load gen ${bareCpu.bench.toFixed(0)}, other processes ${Math.max(0, bareCpu.other + bareCpu.postgres + bareCpu.pgOther).toFixed(0)}`,
      `At max load (hot Page): ${boundBy(p1.cpu, cores)}.`,
      ...(pm ? [`At max load (mix): ${boundBy(pm.cpu, cores)}.`] : []),
      ...topStatements,
      ...(walRelations
        ? [
            `WAL of phase 3 per message by relation of the eu database (pg_waldump; full page images included): ` +
              `${int(perMessage(walRelations.reduce((a, r) => a + r.bytes, 0)))} B over ${walRelations.length} relations; ${walRelations
                .slice(0, 14)
                .map((r) => `${r.name.replace(/^public\./, '')} ${int(perMessage(r.bytes))} B`)
                .join(', ')}`,
          ]
        : []),
      ...(logged.size
        ? [
            'The app logged (count, text):',
            ...[...logged]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 8)
              .map(([text, n]) => `  ${String(n).padStart(6)}  ${text}`),
          ]
        : ['The app logged no warning or error.']),
      `Between phases: warm-up ${int(warm.acceptedPerS)}/s, ${drainNote(warmDrain, warmPurged)}; after max ${drainNote(p1.drain, p1.purged)}` +
        (pm ? `; after mix ${drainNote(pm.drain, pm.purged)}` : '') +
        `; after half ${drainNote(p2Drain, p2Purged)}.` +
        (failed ? ` ${failed} inbound events failed.` : ''),
      ...(Math.max(p1.cpu.other + p1.cpu.pgOther, p2Cpu.other + p2Cpu.pgOther, p3Cpu.other + p3Cpu.pgOther) > 25
        ? [
            "Warning: other processes or databases used a large share of the CPU during some phase (see above): the app's figures are low by that much; run again on a quiet machine.",
          ]
        : []),
      ...(p1.poolOut || pm?.poolOut
        ? [`Note: a max phase used up its ${int(maxPoolSize)} distinct webhooks before ${PHASE_S} s; its rate is over the time it ran.`]
        : []),
      process.env.BENCH_SYNC === 'off'
        ? 'Page cache not flushed between runs (BENCH_SYNC=off): a run may pay for writeback of an earlier one.'
        : `Page cache flushed (sync) before the insert baseline and each phase, so none pays for an earlier one's writeback: ${syncMs.map((m) => `${int(m)} ms`).join(', ')}.`,
      'ACK latency: write -> full response (open-loop phases 2 and 3: from the time each request was due). Lag: messages.created_at',
      `(transaction start of the worker's insert) minus the client's ACK time, same machine clock; "unprocessed": no message yet ${LAG_BOUND_MS / 1000} s after the phase.`,
      "WAL is the whole server's (PostgreSQL 15 keeps no per-database WAL figure): on a shared server other databases add to it (their transactions are counted above).",
      `Run took ${((performance.now() - runStart) / 1000).toFixed(0)} s; load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')} (1, 5, 15 min).`,
      ...(process.env.BENCH_TIMELINE === '1' ? [...timeline('phase 2', p2.load), ...timeline('phase 3', p3.load)] : []),
      '',
    ];
    process.stdout.write(out.join('\n'));
    return 0;
  });
}

void main().then((code) => process.exit(code));
