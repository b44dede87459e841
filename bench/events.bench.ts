/**
 * Live streams benchmark (a script that prints figures, not a test): `npm run bench:events`.
 *
 * Starts the real app (src/main.ts, workers on) as a child process on fresh databases, signs up
 * BENCH_TENANTS (10) organizations, each with a Messenger Page on the fake Graph server and as many
 * agents as its share of BENCH_STREAMS (1,000) needs (at most 10 streams per user), opens the
 * streams (GET /api/events, from this process), then ingests signed webhooks at BENCH_RATE (200)
 * messages/s for BENCH_SECONDS (15) spread over the organizations, and times every message.created
 * event on every stream of its organization:
 *   - delivery from created_at: stream arrival - the message row's created_at, which is the start
 *     of the processor's transaction that stored it (PostgreSQL's now()), not its commit;
 *   - end to end: stream arrival - when the webhook was due (ACK, queue and processing included).
 * Both are split (bench/event-timing.preload.js notes, in the app, when each message's transaction
 * came back from COMMIT and when its frames were handed to the sockets):
 *   - ACK -> created_at: waiting for the processor's next batch, its claim and a free lane;
 *   - the batch: COMMIT returned - created_at (the processor's transaction itself);
 *   - after the commit: stream arrival - COMMIT returned, itself split into the app's part (COMMIT
 *     returned -> the last frame handed to its socket) and the rest (socket -> this process's read).
 * The app's statements over the last round (bench/query-stats.preload.js) are printed with their
 * mean round trips: what the batch's transaction is made of.
 * The load runs twice with the same streams open (round 2 ingests as many new messages again):
 * each round's figures are printed, and the app's RSS with the streams open and idle, after each
 * round and its peak: growth over round 2 is the leak check (round 1 includes warm-up).
 * Target: delivery p99 < 100 ms (printed from created_at, as before, and from COMMIT returned).
 *
 * BENCH_STREAMS_ON=other opens the streams on a second app instance (workers off, same
 * databases), so every event reaches them through the region's event log and LISTEN/NOTIFY
 * instead of from the committing instance's memory (the RSS figures stay the ingesting instance's).
 *
 * Knobs (environment): BENCH_TENANTS, BENCH_STREAMS, BENCH_RATE, BENCH_SECONDS, BENCH_STREAMS_ON,
 * BENCH_CPU_PROFILE (a path: a CPU profile of the app during round 1). Only 127.0.0.1 and
 * the database server are contacted; every loop is bounded in count and time. Figures go to
 * bench/results/events.json.
 */
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { signMetaBody } from '../src/channels/meta/meta-signature';
import { AppProcess } from '../test/support/app-process';
import type { FakeGraphServer } from '../test/fakes/fake-graph.server';
import { META_APP_SECRET, messengerMessage, platformId } from '../test/support/meta';
import { BenchEnvironment, describeServer, envNumber, int, ms, note, sleep } from './bench-environment';
import { writeResults } from './bench-results';
import { percentile, rawPost, runLoad } from './ingest-load';
import { RssSampler, leakVerdict, memoryProbeOptions, probeMemory } from './app-memory';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { stopProfile } from './cpu-profile';
import { cpuSample } from './ingest-cpu';
import { type StatementStats, statementCalls, statementLines, statementWindow } from './query-stats';
import { runScript } from './run-script';

const TENANTS = envNumber('BENCH_TENANTS', 10, 1, 100);
const STREAMS = envNumber('BENCH_STREAMS', 1000, 1, 5000);
const RATE = envNumber('BENCH_RATE', 200, 1, 5000);
const SECONDS = envNumber('BENCH_SECONDS', 15, 1, 120);
const STREAMS_ON: 'same' | 'other' = process.env.BENCH_STREAMS_ON === 'other' ? 'other' : 'same';
const STREAMS_PER_USER = 10;
const SETTLE_BOUND_MS = 30_000;
const RUN_BOUND_MS = 300_000;
const TARGET_P99_MS = 100;
const MID_PREFIX = 'm_evb_';
const ROUNDS = 2;
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;
/** The app's statements (bench/query-stats.preload.js) over the last round; SIGUSR2 is the memory probe's. */
const QUERY_STATS = join(tmpdir(), `mm-events-query-stats-${process.pid}.json`);
const QUERY_STATS_SIGNAL = 'SIGURG';

interface Org {
  tenantId: string;
  pageId: string;
  tokens: string[];
}

async function signup(url: string, graph: FakeGraphServer, i: number): Promise<{ tenantId: string; pageId: string }> {
  const res = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizationName: `Events Bench ${i}`, email: `bench-${randomUUID()}@example.test`, password: 'a long enough password' }),
  });
  const account = (await res.json()) as { accessToken: string; tenant: { id: string; region: string } };
  if (res.status !== 201) throw new Error(`signup answered ${res.status}: ${JSON.stringify(account)}`);
  if (account.tenant.region !== 'eu') throw new Error(`signed up in ${account.tenant.region}, the owner pool reaches eu`);
  const pageId = platformId();
  const token = `bench-page-token-${i}`;
  graph.page(pageId, token);
  const channel = await fetch(`${url}/api/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${account.accessToken}` },
    body: JSON.stringify({ kind: 'messenger', name: `Bench Page ${i}`, config: { pageId }, credentials: { pageAccessToken: token } }),
  });
  if (channel.status !== 201) throw new Error(`connecting the channel answered ${channel.status}: ${await channel.text()}`);
  return { tenantId: account.tenant.id, pageId };
}

/** `n` agents with a live session each, straight in the database; their access tokens signed as the app signs them. */
async function agents(owner: Pool, tenantId: string, n: number, secret: string): Promise<string[]> {
  const c = await owner.connect();
  try {
    await c.query('begin');
    await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    const { rows } = await c.query<{ user_id: string; session_id: string }>(
      `with u as (
         insert into users (tenant_id, email, password_hash, role)
         select $1, 'agent-' || g || '@events-bench.example', 'not-a-hash', 'agent' from generate_series(1, ${n}) g returning id)
       insert into auth_sessions (tenant_id, id, user_id, expires_at)
       select $1, gen_random_uuid(), id, now() + interval '1 day' from u returning user_id, id as session_id`,
      [tenantId],
    );
    await c.query('commit');
    return rows.map((r) =>
      jwt.sign({ sub: r.user_id, tid: tenantId, rgn: 'eu', role: 'agent', sid: r.session_id }, Buffer.from(secret, 'utf8'), {
        algorithm: 'HS256',
        expiresIn: 3600,
      }),
    );
  } finally {
    c.release();
  }
}

/** bench/event-timing.preload.js: where it writes, and the node flags and environment that load it. */
function eventTimingOptions(): { nodeArgs: string[]; env: Record<string, string>; file: string } {
  const file = join(tmpdir(), `mm-event-timing-${process.pid}-${Date.now()}.json`);
  return { nodeArgs: ['-r', join(__dirname, 'event-timing.preload.js')], env: { BENCH_EVENT_TIMING: file }, file };
}

/** Per message id: when its transaction came back from COMMIT, and when its frames were written to the sockets (ms since the epoch). */
type CommitTimes = Map<string, { committed: number; fannedOut: number; written: number }>;

/** Asks the app (SIGPWR) for the commits noted since the last ask; waits for the report (bounded). */
async function commitTimes(
  pid: number,
  file: string,
): Promise<{ times: CommitTimes; writes: number; late: Array<[string, number]>; loopDelayMs: { p50: number; p99: number; max: number } } | null> {
  const before = existsSync(file) ? statSync(file).mtimeMs : 0;
  process.kill(pid, 'SIGPWR');
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    if (existsSync(file) && statSync(file).mtimeMs !== before) {
      try {
        const report = JSON.parse(readFileSync(file, 'utf8')) as {
          patched: boolean;
          writes: number;
          late: Array<[string, number]>;
          loopDelayMs: { p50: number; p99: number; max: number };
          commits: Array<[number, number, number, ...string[]]>;
        };
        if (!report.patched) return null;
        const times: CommitTimes = new Map();
        for (const [committed, fannedOut, written, ...ids] of report.commits) for (const id of ids) times.set(id, { committed, fannedOut, written });
        return { times, writes: report.writes, late: report.late, loopDelayMs: report.loopDelayMs };
      } catch {
        // written while read: try again
      }
    }
  }
  return null;
}

const split = (values: number[]) => {
  values.sort((a, b) => a - b);
  return { p50: percentile(values, 50), p99: percentile(values, 99), n: values.length };
};

/** One agent's stream: the arrival time (ms since the epoch) of each message.created, by message id. */
class Stream {
  private buffer = '';
  closed = false;

  constructor(
    readonly org: number,
    private readonly arrivals: Map<string, number[]>,
  ) {}

  open(port: number, token: string, agent: Agent): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/api/events', agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`GET /api/events answered ${res.statusCode}`));
          }
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => this.receive(chunk));
          res.on('close', () => (this.closed = true));
          resolve();
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  private receive(chunk: string): void {
    const at = Date.now();
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (!frame.includes('event: message.created')) continue;
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      const id = data ? (JSON.parse(data.slice(6)) as { data?: { messageId?: string } }).data?.messageId : undefined;
      if (!id) continue;
      const list = this.arrivals.get(id);
      if (list) list.push(at);
      else this.arrivals.set(id, [at]);
    }
  }
}

async function main(): Promise<number> {
  const bench = new BenchEnvironment('mm_bench_events', RUN_BOUND_MS);
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  bench.onCleanup(() => agent.destroy());
  return bench.run(async () => {
    const profile = CPU_PROFILE ? { nodeArgs: ['-r', join(__dirname, 'cpu-profile.preload.js')], env: { BENCH_CPU_PROFILE: CPU_PROFILE } } : {};
    const probe = memoryProbeOptions();
    bench.onCleanup(() => rmSync(probe.file, { force: true }));
    const timing = eventTimingOptions();
    bench.onCleanup(() => rmSync(timing.file, { force: true }));
    bench.onCleanup(() => rmSync(QUERY_STATS, { force: true }));
    const { app, owner, graph } = {
      ...(await bench.start(
        { max: 3 },
        {
          nodeArgs: [...probe.nodeArgs, ...timing.nodeArgs, '-r', join(__dirname, 'query-stats.preload.js'), ...(profile.nodeArgs ?? [])],
          env: { ...profile.env, ...probe.env, ...timing.env, BENCH_QUERY_STATS: QUERY_STATS, BENCH_QUERY_STATS_SIGNAL: QUERY_STATS_SIGNAL },
        },
      )),
      graph: bench.graph,
    };
    const port = app.port;
    let streamPort = port;
    if (STREAMS_ON === 'other') {
      note('starting a second instance for the streams (workers off)');
      const other = new AppProcess({ ...bench.env, WORKERS: 'off' });
      bench.onCleanup(() => other.stop());
      await other.start(90_000);
      streamPort = other.port;
    }
    const perOrg = Math.ceil(STREAMS / TENANTS);
    const orgs: Org[] = [];
    for (let i = 0; i < TENANTS; i++) {
      const { tenantId, pageId } = await signup(app.url, graph, i);
      orgs.push({ tenantId, pageId, tokens: await agents(owner, tenantId, Math.ceil(perOrg / STREAMS_PER_USER), bench.env.JWT_SECRET!) });
    }
    const version = (await owner.query(`select current_setting('server_version') as v`)).rows[0].v as string;
    const memory = new RssSampler(app.pid!).start();
    bench.onCleanup(() => memory.stop());
    const rssBefore = memory.sample();

    note(`opening ${int(STREAMS)} streams over ${TENANTS} organizations`);
    const arrivals = new Map<string, number[]>();
    const streams: Stream[] = [];
    for (let s = 0; s < STREAMS; s++) {
      const org = s % TENANTS;
      const k = Math.floor(s / TENANTS);
      streams.push(new Stream(org, arrivals));
      await streams[s].open(streamPort, orgs[org].tokens[Math.floor(k / STREAMS_PER_USER)], agent);
    }
    const streamsOf = orgs.map((_, i) => streams.filter((s) => s.org === i).length);
    await sleep(1000);
    const rssStreamsOpen = memory.sample();

    const total = RATE * SECONDS;
    const expectedPerMessage = (i: number) => streamsOf[i % TENANTS];

    /** One round: `total` new messages at RATE/s, then settled (every one on every stream of its organization, or the bound). */
    const round = async (r: number) => {
      const first = r * total;
      const requests = Array.from({ length: total }, (_, k) => {
        const i = first + k;
        const org = orgs[i % TENANTS];
        const raw = JSON.stringify(messengerMessage(org.pageId, String(7_200_000_000_000_000 + (i % 500)), `events bench ${i}`, `${MID_PREFIX}${i}`));
        return rawPost('/webhooks/meta', raw, { 'x-hub-signature-256': signMetaBody(META_APP_SECRET, raw) });
      });
      memory.resetPeak();
      note(`round ${r + 1}: ingesting ${int(total)} webhooks at ${RATE}/s`);
      if (CPU_PROFILE && r === 0) process.kill(app.pid!, 'SIGWINCH');
      const loadAtStart = loadavg()[0];
      const lastRound = r === ROUNDS - 1;
      if (lastRound) await statementWindow(app.pid, QUERY_STATS, false, QUERY_STATS_SIGNAL);
      const cpuAtStart = cpuSample({ app: app.pid }).seconds.app;
      const load = await runLoad({ host: '127.0.0.1', port, requests, connections: 16, durationMs: SECONDS * 1000, rate: RATE });
      const accepted = load.statusCounts['200'] ?? 0;
      const settleStart = performance.now();
      const stored = async () => {
        const found: Array<{ i: number; id: string; createdMs: number }> = [];
        for (const org of orgs) {
          const c = await owner.connect();
          try {
            await c.query('begin');
            await c.query(`select set_config('app.tenant_id', $1, true)`, [org.tenantId]);
            const { rows } = await c.query<{ external_id: string; id: string; created_ms: string }>(
              `select external_id, id, (extract(epoch from created_at) * 1000)::float8 as created_ms from messages where tenant_id = $1 and external_id like $2`,
              [org.tenantId, `${MID_PREFIX}%`],
            );
            await c.query('commit');
            for (const row of rows) {
              const i = Number(row.external_id.slice(MID_PREFIX.length));
              if (i >= first && i < first + total) found.push({ i, id: row.id, createdMs: Number(row.created_ms) });
            }
          } finally {
            c.release();
          }
        }
        return found;
      };
      let messages = await stored();
      while (
        !(messages.length >= accepted && messages.every((m) => (arrivals.get(m.id)?.length ?? 0) >= expectedPerMessage(m.i))) &&
        performance.now() - settleStart < SETTLE_BOUND_MS
      ) {
        await sleep(500);
        messages = await stored();
      }
      // The app is idle once the round settled, so its CPU since the start is the round's work.
      const appCpuSeconds = cpuSample({ app: app.pid }).seconds.app - cpuAtStart;
      if (CPU_PROFILE && r === 0) await stopProfile(app.pid!, CPU_PROFILE);
      const timed = await commitTimes(app.pid!, timing.file);
      const times = timed?.times;
      if (lastRound) statements = await statementWindow(app.pid, QUERY_STATS, true, QUERY_STATS_SIGNAL);
      const fromCommit: number[] = [];
      const endToEnd: number[] = [];
      const queued: number[] = [];
      const batch: number[] = [];
      const fanOut: number[] = [];
      const fanOutSync: number[] = [];
      const afterCommit: number[] = [];
      const afterWrite: number[] = [];
      let expected = 0;
      /** Frames sent outside their commit's fan-out (waiting for a visibility answer): how long after COMMIT returned. */
      const late: number[] = [];
      for (const [id, at] of timed?.late ?? []) {
        const t = times?.get(id);
        if (t) late.push(at - t.committed);
      }
      for (const m of messages) {
        expected += expectedPerMessage(m.i);
        const k = m.i - first;
        const due = load.ackWallMs[k] - load.latencyByIndex[k];
        if (Number.isFinite(load.ackWallMs[k])) queued.push(m.createdMs - load.ackWallMs[k]);
        const t = times?.get(m.id);
        if (t) {
          batch.push(t.committed - m.createdMs);
          fanOutSync.push(t.fannedOut - t.committed);
          // 0: a stream it was written to closed before it was sent.
          if (t.written > 0) fanOut.push(t.written - t.committed);
        }
        for (const at of arrivals.get(m.id) ?? []) {
          fromCommit.push(at - m.createdMs);
          if (Number.isFinite(due)) endToEnd.push(at - due);
          if (t) {
            afterCommit.push(at - t.committed);
            if (t.written > 0) afterWrite.push(at - t.written);
          }
        }
      }
      fromCommit.sort((a, b) => a - b);
      endToEnd.sort((a, b) => a - b);
      return {
        /** 1-minute load average at the round's start and once it settled (2 cores: above 2, more than the machine). */
        loadAverage: [loadAtStart, loadavg()[0]],
        webhooksAccepted: accepted,
        ackP99Ms: percentile(load.latencyMs, 99),
        messagesStored: messages.length,
        eventsExpected: expected,
        eventsDelivered: fromCommit.length,
        deliveryFromCommitMs: { p50: percentile(fromCommit, 50), p99: percentile(fromCommit, 99), max: fromCommit[fromCommit.length - 1] },
        endToEndMs: { p50: percentile(endToEnd, 50), p99: percentile(endToEnd, 99) },
        /**
         * Delivery from commit in parts (n: messages or deliveries with a noted commit): the batch's
         * transaction (created_at -> COMMIT returned, per message), then per delivery COMMIT returned
         * -> stream, of which the app's fan-out (COMMIT returned -> frames written, per message) and
         * socket -> this process's read.
         */
        parts: {
          queued: split(queued),
          batch: split(batch),
          afterCommit: split(afterCommit),
          fanOut: split(fanOut),
          fanOutSync: split(fanOutSync),
          late: split(late),
          afterWrite: split(afterWrite),
        },
        /** App CPU (all threads) per message stored and per thousand events on streams: comparable across loads, unlike the latencies. */
        appCpuMsPerMessage: (1000 * appCpuSeconds) / Math.max(1, messages.length),
        appCpuMsPer1000Deliveries: (1e6 * appCpuSeconds) / Math.max(1, fromCommit.length),
        /** The app's writes of frames to the streams' sockets (each a chunk and a system call), per 1,000 events delivered. */
        /** The app's event loop delay over the round (perf_hooks, 10 ms resolution): each statement's answer also waits for the loop. */
        appLoopDelayMs: timed?.loopDelayMs,
        socketWritesPer1000Deliveries: timed ? (1000 * timed.writes) / Math.max(1, fromCommit.length) : NaN,
        rssMiBPeak: memory.peak,
        /** After a full garbage collection once the round settled. */
        collected: await probeMemory(app.pid!, probe.file),
        rssMiBAfter: memory.sample(),
      };
    };
    let statements: StatementStats | undefined;
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(await round(r));
    memory.stop();
    const leak = leakVerdict(rounds[0].rssMiBAfter, rounds[ROUNDS - 1].rssMiBAfter);
    const [heap1, heap2] = [rounds[0].collected?.heapUsed ?? NaN, rounds[ROUNDS - 1].collected?.heapUsed ?? NaN];
    const heapLeak = leakVerdict(heap1, heap2, 4);
    const p99 = Math.max(...rounds.map((f) => f.deliveryFromCommitMs.p99));
    const p99AfterCommit = Math.max(...rounds.map((f) => f.parts.afterCommit.p99));
    const open = streams.filter((s) => !s.closed).length;
    const lines = [
      `Live streams (${STREAMS_ON === 'other' ? 'on a second instance' : 'on the ingesting instance'}): ${int(open)} of ${int(STREAMS)} streams still open over ${TENANTS} organizations; ` +
        `${ROUNDS} rounds of ${int(total)} webhooks at ${RATE}/s`,
      `PostgreSQL ${version} (${describeServer()})`,
      '',
      ...rounds.flatMap((f, r) => [
        `round ${r + 1} (load average ${f.loadAverage.map((l) => l.toFixed(1)).join(' → ')}): ${int(f.webhooksAccepted)} of ${int(total)} accepted (ACK p99 ${ms(f.ackP99Ms)} ms), ${int(f.messagesStored)} stored; ` +
          `events delivered ${int(f.eventsDelivered)} of ${int(f.eventsExpected)} expected (each message to every stream of its organization)`,
        `  delivery from created_at (the batch's transaction start → stream): p50 ${ms(f.deliveryFromCommitMs.p50)} ms, p99 ${ms(f.deliveryFromCommitMs.p99)} ms, max ${ms(f.deliveryFromCommitMs.max)} ms`,
        `    = the batch's transaction (created_at → COMMIT returned): p50 ${ms(f.parts.batch.p50)} ms, p99 ${ms(f.parts.batch.p99)} ms (${int(f.parts.batch.n)} messages)`,
        `    + after the commit (COMMIT returned → stream):          p50 ${ms(f.parts.afterCommit.p50)} ms, p99 ${ms(f.parts.afterCommit.p99)} ms (${int(f.parts.afterCommit.n)} deliveries)`,
        `      of which the app's (COMMIT returned → last frame handed to its socket): p50 ${ms(f.parts.fanOut.p50)} ms, p99 ${ms(f.parts.fanOut.p99)} ms ` +
          `(the synchronous fan-out p50 ${ms(f.parts.fanOutSync.p50)} ms, p99 ${ms(f.parts.fanOutSync.p99)} ms); then → read here (the late ones included) p50 ${ms(f.parts.afterWrite.p50)} ms, p99 ${ms(f.parts.afterWrite.p99)} ms`,
        `      sent later than their commit's fan-out (waited for a visibility answer): ${int(f.parts.late.n)} deliveries, ` +
          `COMMIT returned → sent p50 ${ms(f.parts.late.p50)} ms, p99 ${ms(f.parts.late.p99)} ms`,
        `  end to end (webhook due → stream):          p50 ${ms(f.endToEndMs.p50)} ms, p99 ${ms(f.endToEndMs.p99)} ms`,
        `    of which ACK → created_at (queued, claimed, waiting for a lane): p50 ${ms(f.parts.queued.p50)} ms, p99 ${ms(f.parts.queued.p99)} ms`,
        `  app CPU: ${f.appCpuMsPerMessage.toFixed(2)} ms per message, ${f.appCpuMsPer1000Deliveries.toFixed(1)} ms per 1,000 events delivered; ` +
          `${f.socketWritesPer1000Deliveries.toFixed(0)} socket writes per 1,000 events delivered; ` +
          `event loop delay p50 ${ms(f.appLoopDelayMs?.p50 ?? NaN)} ms, p99 ${ms(f.appLoopDelayMs?.p99 ?? NaN)} ms, max ${ms(f.appLoopDelayMs?.max ?? NaN)} ms`,
      ]),
      `app RSS: ${rssBefore.toFixed(0)} MiB before the streams, ${rssStreamsOpen.toFixed(0)} MiB with them open (${((1024 * (rssStreamsOpen - rssBefore)) / STREAMS).toFixed(0)} KiB per stream), ` +
        rounds.map((f, r) => `after round ${r + 1} ${f.rssMiBAfter.toFixed(0)} MiB (peak ${f.rssMiBPeak.toFixed(0)})`).join(', ') +
        `; RSS growth over round 2 ${leak.growthMiB.toFixed(1)} MiB; ` +
        `live heap after a full GC: ${heap1.toFixed(1)} MiB after round 1, ${heap2.toFixed(1)} MiB after round 2 (growth ${heapLeak.growthMiB.toFixed(1)} MiB: ${heapLeak.grew ? 'GREW (a leak?)' : 'none'})`,
      `target delivery p99 < ${TARGET_P99_MS} ms (worst round): from created_at ${ms(p99)} ms, ${p99 < TARGET_P99_MS ? 'met' : 'MISSED'}; ` +
        `from COMMIT returned ${ms(p99AfterCommit)} ms, ${p99AfterCommit < TARGET_P99_MS ? 'met' : 'MISSED'}`,
      ...(statements
        ? [
            `the app's statements over round ${ROUNDS} (${int(statementCalls(statements))}, ${(statementCalls(statements) / Math.max(1, rounds[ROUNDS - 1].messagesStored)).toFixed(1)} a message); the most frequent, per message, with the mean round trip:`,
            ...statementLines(statements, rounds[ROUNDS - 1].messagesStored, 25),
          ]
        : []),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    const path = writeResults('events', {
      postgres: version,
      knobs: { tenants: TENANTS, streams: STREAMS, rate: RATE, seconds: SECONDS, streamsOn: STREAMS_ON, rounds: ROUNDS },
      figures: {
        streamsOpenAtEnd: open,
        rounds,
        deliveryFromCommitP99Ms: p99,
        deliveryAfterCommitReturnedP99Ms: p99AfterCommit,
        rssMiB: {
          before: rssBefore,
          streamsOpen: rssStreamsOpen,
          peak: Math.max(...rounds.map((f) => f.rssMiBPeak)),
          growthOverSecondRound: leak.growthMiB,
          heapAfterGcMiB: [heap1, heap2],
          heapGrowthOverSecondRound: heapLeak.growthMiB,
          leak: heapLeak.grew,
        },
        targetP99Ms: TARGET_P99_MS,
        statementsLastRound: statements,
      },
    });
    process.stdout.write(`figures written to ${path}\n`);
    return 0;
  });
}

runScript(main);
