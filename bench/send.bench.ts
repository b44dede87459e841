/**
 * Sending benchmark (a script that prints figures, not a test): `npm run bench:send`.
 *
 * Starts the real app (src/main.ts, workers on) as a child process on fresh databases, connects
 * one Messenger Page on the fake Graph server (which runs in this process), seeds BENCH_CONVERSATIONS
 * (100) conversations whose contacts wrote a minute ago (the messaging window is open), then queues
 * BENCH_REPLIES (10,000) replies across them at once, in one transaction, as the outbox does (a
 * queued message and its outbound job), and times each reply's arrival at the fake Send API:
 * sends/s over the drain, and queue-to-sent p50/p99 (from the commit that queued them; with all of
 * them queued at once, these are mostly the wait behind the backlog).
 *
 * In the same run, the baseline: the fake Send API's own capacity, driven from this process with
 * the same request, BENCH_CLIENTS (32) keep-alive connections.
 *
 * Per-channel limits stay on: the Page's Send API limit is raised to BENCH_SEND_LIMIT (2,000/s)
 * both in the app (SEND_LIMITS=messenger:N, which it paces below) and in the fake, which refuses
 * (Graph's code 613) every call past N within a second; the bench reports the most calls the
 * fake accepted within any one second and how many it refused.
 *
 * CPU per send of the app, of PostgreSQL's backends of the bench's database and of this process (the
 * fake platform) is printed with the cores the whole machine kept busy: on a shared 2-core machine
 * sends/s depends on what else runs, the CPU per send does not.
 *
 * Memory: the same load runs twice in this process (round 2 queues another BENCH_REPLIES once
 * round 1 is sent); the app's RSS after each round and its peak are printed: growth over round 2
 * is the leak check (round 1 includes warm-up).
 *
 * Knobs (environment): BENCH_REPLIES, BENCH_CONVERSATIONS, BENCH_CLIENTS, BENCH_SEND_LIMIT, BENCH_STATEMENTS (how many of the
 * most frequent statements of round 1 to list, 10; counted by the app, query-stats.preload.js),
 * BENCH_CPU_PROFILE (a path: a CPU profile of the app while it drains round 1), BENCH_WAL_RELATIONS (`1`: each
 * round's WAL per send by relation, pg_waldump). Each round prints the WAL per send (the server's, from
 * the commit that queued the replies until they were recorded) and how many of messages' updates were
 * HOT (pg_stat_user_tables); BENCH_MESSAGES_FILLFACTOR sets messages' fillfactor after the app migrated (the
 * room a page keeps for updated versions, to weigh it against the table's size). Only 127.0.0.1 and the
 * database server are contacted; every loop is bounded in count and time. Figures go to
 * bench/results/send.json.
 */
import { randomUUID } from 'node:crypto';
import { Agent, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { FakeGraphServer } from '../test/fakes/fake-graph.server';
import { platformId } from '../test/support/meta';
import { BenchEnvironment, describeServer, envNumber, int, ms, note, sleep } from './bench-environment';
import { writeResults } from './bench-results';
import { cpuSample } from './ingest-cpu';
import { type RequestCpu, withRequestCpu } from './request-cpu';
import { closedLoop, percentile } from './load-loop';
import { stopProfile } from './cpu-profile';
import { type CollectedMemory, RssSampler, leakVerdict, memoryProbeOptions, probeMemory } from './app-memory';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type StatementStats, statementCalls, statementLines, statementWindow } from './query-stats';
import { type RelationWal, retainWal, walByRelation } from './wal-by-relation';
import { runScript } from './run-script';

const REPLIES = envNumber('BENCH_REPLIES', 10_000, 100, 100_000);
const CONVERSATIONS = envNumber('BENCH_CONVERSATIONS', 100, 1, 10_000);
const CLIENTS = envNumber('BENCH_CLIENTS', 32, 1, 256);
const SEND_LIMIT = envNumber('BENCH_SEND_LIMIT', 2000, 1, 100_000);
const ROUNDS = 2;
/** Graph's answer past a Page's Send API rate. */
const RATE_LIMITED = { status: 400, body: { error: { code: 613, message: 'Calls to this api have exceeded the rate limit.' } } };
const CAPACITY_REQUESTS = 5_000;
const DRAIN_BOUND_MS = 180_000;
const RUN_BOUND_MS = 300_000;
const TOKEN = 'bench-page-access-token';
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;
/** The app counts the statements it sends while a round drains (query-stats.preload.js; SIGUSR2 is the memory probe's). */
const QUERY_STATS = join(tmpdir(), `mm-send-query-stats-${process.pid}.json`);
const QUERY_STATS_SIGNAL = 'SIGURG';
const TOP_STATEMENTS = envNumber('BENCH_STATEMENTS', 10, 0, 100);
const TEXT_PREFIX = 'bench reply ';
const MESSAGES_FILLFACTOR = process.env.BENCH_MESSAGES_FILLFACTOR ? envNumber('BENCH_MESSAGES_FILLFACTOR', 100, 10, 100) : undefined;

/** The fake Graph server, noting when each bench reply reached the Send API. */
class TimedGraph extends FakeGraphServer {
  readonly arrivals = new Map<number, number>();

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse, bytes: Buffer): void {
    if (req.method === 'POST' && raw.includes(TEXT_PREFIX)) {
      const text = (JSON.parse(raw) as { message?: { text?: string } }).message?.text ?? '';
      if (text.startsWith(TEXT_PREFIX)) this.arrivals.set(Number(text.slice(TEXT_PREFIX.length)), performance.now());
    }
    super.handle(req, raw, res, bytes);
  }
}

async function signupAndConnect(url: string, graph: FakeGraphServer): Promise<{ tenantId: string; userId: string; channelId: string; pageId: string }> {
  const signup = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizationName: 'Send Bench', email: `bench-${randomUUID()}@example.test`, password: 'a long enough password' }),
  });
  const account = (await signup.json()) as { accessToken: string; tenant: { id: string; region: string }; user: { id: string } };
  if (signup.status !== 201) throw new Error(`signup answered ${signup.status}: ${JSON.stringify(account)}`);
  if (account.tenant.region !== 'eu') throw new Error(`signed up in ${account.tenant.region}, the owner pool reaches eu`);
  const pageId = platformId();
  graph.page(pageId, TOKEN);
  const channel = await fetch(`${url}/api/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${account.accessToken}` },
    body: JSON.stringify({ kind: 'messenger', name: 'Bench Page', config: { pageId }, credentials: { pageAccessToken: TOKEN } }),
  });
  const body = (await channel.json()) as { id: string };
  if (channel.status !== 201) throw new Error(`connecting the channel answered ${channel.status}: ${JSON.stringify(body)}`);
  return { tenantId: account.tenant.id, userId: account.user.id, channelId: body.id, pageId };
}

/** Contacts who wrote a minute ago on the Page, one conversation each; set-based, as the owner. */
async function seedConversations(owner: Pool, tenantId: string, channelId: string): Promise<void> {
  const c = await owner.connect();
  try {
    await c.query('begin');
    await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    await c.query(`create temp table seed on commit drop as
      select g, gen_random_uuid() as contact_id, gen_random_uuid() as conversation_id, now() - interval '1 minute' as at
      from generate_series(1, ${CONVERSATIONS}) g`);
    await c.query(`insert into contacts (tenant_id, id, display_name) select $1, contact_id, 'Bench contact ' || g from seed`, [tenantId]);
    await c.query(
      `insert into contact_identities (tenant_id, contact_id, channel_id, channel_kind, external_id)
       select $1, contact_id, $2, 'messenger', '71' || lpad(g::text, 14, '0') from seed`,
      [tenantId, channelId],
    );
    await c.query(
      `insert into conversations (tenant_id, id, contact_id, channel_id, status, last_message_at, last_inbound_at)
       select $1, conversation_id, contact_id, $2, 'open', at, at from seed`,
      [tenantId, channelId],
    );
    await c.query(
      `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at)
       select $1, conversation_id, $2, 'inbound', 'Hello ' || g, 'mid-send-bench-' || g, at from seed`,
      [tenantId, channelId],
    );
    await c.query('commit');
  } finally {
    c.release();
  }
}

/** REPLIES queued replies (numbered from `first`), round-robin over the conversations, and their outbound jobs: what MessageOutbox.queue writes, set-based. */
async function queueReplies(owner: Pool, tenantId: string, userId: string, first: number): Promise<void> {
  const c = await owner.connect();
  try {
    await c.query('begin');
    await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    await c.query(
      `with conv as (select id, channel_id, row_number() over (order by id) - 1 as k from conversations where tenant_id = $1),
            queued as (
              insert into messages (tenant_id, conversation_id, channel_id, direction, text, status, author_id)
              select $1, conv.id, conv.channel_id, 'outbound', '${TEXT_PREFIX}' || (g + ${first}), 'queued', $2
              from generate_series(0, ${REPLIES - 1}) g join conv on conv.k = g % ${CONVERSATIONS}
              returning id)
       insert into queue.jobs (kind, tenant_id, ref_id) select 'outbound', $1, id from queued`,
      [tenantId, userId],
    );
    await c.query('commit');
  } finally {
    c.release();
  }
}

/** The fake Send API's own rate: the same call as the app's, from this process, CLIENTS at a time. */
async function fakeCapacity(graph: FakeGraphServer, pageId: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const { port } = new URL(graph.url);
  const body = JSON.stringify({ recipient: { id: '7100000000000001' }, messaging_type: 'RESPONSE', message: { text: 'capacity probe' } });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/${pageId}/messages`,
          agent,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`fake Send API answered ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  try {
    await closedLoop(500, post, { concurrency: CLIENTS, boundMs: 10_000, warmup: 0 });
    const { lat, seconds } = await closedLoop(CAPACITY_REQUESTS, post, { concurrency: CLIENTS, boundMs: 30_000, warmup: 0 });
    return { perSecond: lat.length / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99) };
  } finally {
    agent.destroy();
    graph.calls.length = 0;
  }
}

/** messages' updates so far, and how many of them were HOT (the new version on the old one's page, no index entries). */
async function messageUpdates(owner: Pool): Promise<{ updates: number; hot: number }> {
  const { rows } = await owner.query(
    `select n_tup_upd::float8 as updates, n_tup_hot_upd::float8 as hot from pg_stat_user_tables where relid = 'messages'::regclass`,
  );
  return rows[0];
}

async function walPosition(owner: Pool): Promise<string> {
  return (await owner.query(`select pg_current_wal_insert_lsn()::text as lsn`)).rows[0].lsn;
}

/** Transactions committed or rolled back in this database so far (the bench's own queries are a handful). */
async function transactions(owner: Pool): Promise<number> {
  const { rows } = await owner.query(`select (xact_commit + xact_rollback)::bigint as n from pg_stat_database where datname = current_database()`);
  return Number(rows[0].n);
}

interface RoundFigures {
  sent: number;
  recordedSent: number;
  drainSeconds: number;
  sendsPerSecond: number;
  queueToSentMs: { first: number; p50: number; p99: number };
  appCpuMsPerSend: number;
  /** CPU per send of the app, of PostgreSQL's backends of the bench's database, and of this process (the fake platform and the bench). */
  cpuMsPerSend: RequestCpu;
  /** Cores busy on the whole machine during the drain (other work on a shared machine included). */
  machineBusyCores: number;
  transactionsPerSend: number;
  /** The server's WAL from the commit that queued the round until its sends were recorded, per send. */
  walBytesPerSend: number;
  /** BENCH_WAL_RELATIONS=1: that WAL by relation of the bench's database, bytes per send. */
  walByRelationPerSend?: RelationWal[];
  /** messages' updates during the round, and the HOT ones among them. */
  messageUpdates: { updates: number; hot: number };
  /** Statements the app sent while the round drained, per send. */
  statementsPerSend: number;
  rssMiBAfter: number;
  rssMiBPeak: number;
  /** After a full garbage collection once the round was sent. */
  collected: CollectedMemory | null;
}

async function main(): Promise<number> {
  const graph = new TimedGraph();
  const bench = new BenchEnvironment('mm_bench_send', RUN_BOUND_MS, graph);
  return bench.run(async () => {
    const profile = CPU_PROFILE ? { nodeArgs: ['-r', join(__dirname, 'cpu-profile.preload.js')], env: { BENCH_CPU_PROFILE: CPU_PROFILE } } : {};
    const probe = memoryProbeOptions();
    bench.onCleanup(() => rmSync(probe.file, { force: true }));
    bench.onCleanup(() => rmSync(QUERY_STATS, { force: true }));
    const { app, owner, dbs } = await bench.start(
      { max: 3 },
      {
        nodeArgs: [...probe.nodeArgs, '-r', join(__dirname, 'query-stats.preload.js'), ...(profile.nodeArgs ?? [])],
        env: {
          ...profile.env,
          ...probe.env,
          BENCH_QUERY_STATS: QUERY_STATS,
          BENCH_QUERY_STATS_SIGNAL: QUERY_STATS_SIGNAL,
          SEND_LIMITS: `messenger:${SEND_LIMIT}`,
        },
      },
    );
    if (MESSAGES_FILLFACTOR !== undefined) await owner.query(`alter table messages set (fillfactor = ${MESSAGES_FILLFACTOR})`);
    const { tenantId, userId, channelId, pageId } = await signupAndConnect(app.url, graph);
    await seedConversations(owner, tenantId, channelId);
    const version = (await owner.query(`select current_setting('server_version') as v`)).rows[0].v as string;
    note(`seeded ${CONVERSATIONS} conversations; measuring the fake Send API`);
    const capacity = await fakeCapacity(graph, pageId);
    const sendPath = `/${pageId}/messages`;
    graph.limitRate(sendPath, SEND_LIMIT, RATE_LIMITED);
    const memory = new RssSampler(app.pid!).start();
    bench.onCleanup(() => memory.stop());
    const rssBefore = memory.sample();

    /** Queues REPLIES replies and waits until they reached the fake and were recorded as sent. */
    const round = async (r: number): Promise<RoundFigures> => {
      const first = r * REPLIES;
      const mine = () => [...graph.arrivals].filter(([n]) => n >= first && n < first + REPLIES).map(([, at]) => at);
      note(`round ${r + 1}: queueing ${int(REPLIES)} replies`);
      memory.resetPeak();
      if (CPU_PROFILE && r === 0) process.kill(app.pid!, 'SIGWINCH');
      const machineBefore = cpuSample({});
      const txBefore = await transactions(owner);
      const updatesBefore = await messageUpdates(owner);
      const releaseWal = process.env.BENCH_WAL_RELATIONS === '1' ? await retainWal(dbs.urls.eu).catch(() => undefined) : undefined;
      let walQueued = '';
      await statementWindow(app.pid, QUERY_STATS, false, QUERY_STATS_SIGNAL);
      const { arrivals, queuedAt, cpu } = await withRequestCpu(app.pid!, owner, async () => {
        await queueReplies(owner, tenantId, userId, first);
        walQueued = await walPosition(owner);
        const queuedAt = performance.now();
        // The count, not the list, while waiting: this process also plays the platform, and its CPU is in the figures.
        while (graph.arrivals.size < first + REPLIES && performance.now() - queuedAt < DRAIN_BOUND_MS) await sleep(50);
        const arrivals = mine();
        return { n: Math.max(1, arrivals.length), arrivals, queuedAt };
      });
      const drainMs = (arrivals.length > 0 ? Math.max(...arrivals) : performance.now()) - queuedAt;
      const machine = cpuSample({});
      const txPerSend = ((await transactions(owner)) - txBefore) / Math.max(1, arrivals.length);
      const stats = await statementWindow(app.pid, QUERY_STATS, true, QUERY_STATS_SIGNAL);
      if (stats) statements.push(stats);
      if (CPU_PROFILE && r === 0) await stopProfile(app.pid!, CPU_PROFILE);
      // Sent as the app records it: what the fake received, and the app's bookkeeping of it.
      let sentInDb = 0;
      for (let i = 0; i < 50; i++) {
        sentInDb = (
          await owner.query(`select count(*)::int as n from messages where tenant_id = $1 and direction = 'outbound' and status = 'sent'`, [tenantId])
        ).rows[0].n;
        if (sentInDb >= first + arrivals.length) break;
        await sleep(100);
      }
      const walRecorded = await walPosition(owner);
      const walPerSend = (n: number) => n / Math.max(1, sentInDb - first);
      const walBytes = Number((await owner.query(`select pg_wal_lsn_diff($2, $1)::float8 as n`, [walQueued, walRecorded])).rows[0].n);
      // The app's backends report their counts when idle, within about 10 s.
      let updates = { updates: 0, hot: 0 };
      for (let i = 0; i < 150; i++) {
        const now = await messageUpdates(owner);
        updates = { updates: now.updates - updatesBefore.updates, hot: now.hot - updatesBefore.hot };
        if (updates.updates >= sentInDb - first) break;
        await sleep(100);
      }
      // Read once flushed (pg_waldump stops at the flushed end): the wait above is usually long enough.
      for (let i = 0; i < 50; i++) {
        if ((await owner.query(`select pg_current_wal_flush_lsn() >= $1::pg_lsn as ok`, [walRecorded])).rows[0].ok) break;
        await sleep(100);
      }
      const walRelations = releaseWal ? await walByRelation(owner, walQueued, walRecorded).catch(() => undefined) : undefined;
      await releaseWal?.();
      const lat = arrivals.map((t) => t - queuedAt).sort((a, b) => a - b);
      if (arrivals.length < REPLIES) note(`only ${int(arrivals.length)} of ${int(REPLIES)} were sent within ${DRAIN_BOUND_MS / 1000} s`);
      return {
        sent: arrivals.length,
        recordedSent: sentInDb - first,
        drainSeconds: drainMs / 1000,
        sendsPerSecond: (arrivals.length * 1000) / drainMs,
        queueToSentMs: { first: lat[0] ?? NaN, p50: percentile(lat, 50), p99: percentile(lat, 99) },
        appCpuMsPerSend: cpu.app,
        cpuMsPerSend: cpu,
        machineBusyCores: (machine.seconds.machine - machineBefore.seconds.machine) / ((machine.at - machineBefore.at) / 1000),
        transactionsPerSend: txPerSend,
        walBytesPerSend: walPerSend(walBytes),
        walByRelationPerSend: walRelations?.map((r) => ({ name: r.name, bytes: walPerSend(r.bytes) })),
        messageUpdates: updates,
        statementsPerSend: stats ? statementCalls(stats) / Math.max(1, arrivals.length) : NaN,
        rssMiBPeak: memory.peak,
        collected: await probeMemory(app.pid!, probe.file),
        rssMiBAfter: memory.sample(),
      };
    };
    const rounds: RoundFigures[] = [];
    const statements: StatementStats[] = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(await round(r));
    memory.stop();
    const duplicates = graph.callsTo(sendPath).length - graph.arrivals.size;
    const limit = graph.rateOf(sendPath);
    const leak = leakVerdict(rounds[0].rssMiBAfter, rounds[ROUNDS - 1].rssMiBAfter);
    const [heap1, heap2] = [rounds[0].collected?.heapUsed ?? NaN, rounds[ROUNDS - 1].collected?.heapUsed ?? NaN];
    const heapLeak = leakVerdict(heap1, heap2, 4);
    const perSecond = rounds[0].sendsPerSecond;

    const rows = [
      [
        'fake Send API alone (this process, ' + CLIENTS + ' clients)',
        `${int(capacity.perSecond)} calls/s`,
        `p50 ${ms(capacity.p50)} ms, p99 ${ms(capacity.p99)} ms per call`,
      ],
      ...rounds.map((f, r) => [
        `app, round ${r + 1}: ${int(REPLIES)} queued replies over ${CONVERSATIONS} conversations`,
        `${int(f.sendsPerSecond)} sends/s`,
        `queue-to-sent p50 ${ms(f.queueToSentMs.p50)} ms, p99 ${ms(f.queueToSentMs.p99)} ms, first ${ms(f.queueToSentMs.first)} ms; ` +
          `${f.appCpuMsPerSend.toFixed(2)} ms app CPU, ${f.transactionsPerSend.toFixed(2)} transactions and ${f.statementsPerSend.toFixed(2)} statements per send; ` +
          `CPU per send: PostgreSQL ${f.cpuMsPerSend.postgres.toFixed(2)} ms, fake platform and bench ${f.cpuMsPerSend.client.toFixed(2)} ms; ` +
          `machine ${f.machineBusyCores.toFixed(2)} cores busy; ` +
          `WAL ${int(f.walBytesPerSend)} B per send; messages' updates ${int(f.messageUpdates.updates)}, HOT ${int(f.messageUpdates.hot)}` +
          (f.walByRelationPerSend
            ? `\n    WAL per send by relation: ${int(f.walByRelationPerSend.reduce((a, r) => a + r.bytes, 0))} B in all; ${f.walByRelationPerSend
                .filter((r) => r.bytes >= 10)
                .map((r) => `${r.name} ${int(r.bytes)} B`)
                .join(', ')}`
            : ''),
      ]),
    ];
    process.stdout.write(
      `\nSending: ${rounds.map((f) => `${int(f.sent)} of ${int(REPLIES)} in ${f.drainSeconds.toFixed(1)} s (${int(f.recordedSent)} recorded as sent)`).join('; ')}; ` +
        `${duplicates} sent twice. PostgreSQL ${version} (${describeServer()})\n` +
        `Page limit ${int(SEND_LIMIT)}/s (app and fake): at most ${int(limit.maxPerSecond)} calls accepted within one second, ${int(limit.refused)} refused for rate\n\n` +
        rows.map(([a, b, c]) => `${a.padEnd(64)} ${b.padStart(16)}   ${c}`).join('\n') +
        `\n\nsends/s ÷ fake capacity: ${(perSecond / capacity.perSecond).toFixed(2)}; target ≥ 1,000 sends/s ${perSecond >= 1000 ? 'met' : 'MISSED'}; ` +
        `limit kept: ${limit.maxPerSecond <= SEND_LIMIT && limit.refused === 0 ? 'yes' : 'NO'}\n` +
        `app RSS: ${rssBefore.toFixed(0)} MiB before, ${rounds.map((f, r) => `after round ${r + 1} ${f.rssMiBAfter.toFixed(0)} MiB (peak ${f.rssMiBPeak.toFixed(0)})`).join(', ')}; ` +
        `RSS growth over round 2 ${leak.growthMiB.toFixed(1)} MiB; ` +
        `live heap after a full GC: ${heap1.toFixed(1)} MiB after round 1, ${heap2.toFixed(1)} MiB after round 2 (growth ${heapLeak.growthMiB.toFixed(1)} MiB: ${heapLeak.grew ? 'GREW (a leak?)' : 'none'})\n` +
        (statements[0] && TOP_STATEMENTS > 0
          ? [
              `Statements the app sent while round 1 drained, per send, with their mean round trip: ${int(statementCalls(statements[0]))} over ${int(rounds[0].sent)} sends`,
              ...statementLines(statements[0], rounds[0].sent, TOP_STATEMENTS),
              '',
            ].join('\n')
          : ''),
    );
    const path = writeResults('send', {
      postgres: version,
      knobs: { replies: REPLIES, conversations: CONVERSATIONS, clients: CLIENTS, sendLimit: SEND_LIMIT, rounds: ROUNDS },
      figures: {
        fakeCapacity: capacity,
        sendsPerSecond: perSecond,
        overFakeCapacity: perSecond / capacity.perSecond,
        rounds,
        sentTwice: duplicates,
        pageLimit: { perSecond: SEND_LIMIT, maxAcceptedWithinOneSecond: limit.maxPerSecond, refused: limit.refused },
        rssMiB: {
          before: rssBefore,
          peak: Math.max(...rounds.map((f) => f.rssMiBPeak)),
          growthOverSecondRound: leak.growthMiB,
          heapAfterGcMiB: [heap1, heap2],
          heapGrowthOverSecondRound: heapLeak.growthMiB,
          leak: heapLeak.grew,
        },
        targetSendsPerSecond: 1000,
      },
    });
    process.stdout.write(`figures written to ${path}\n`);
    return 0;
  });
}

runScript(main);
