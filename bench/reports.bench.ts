/**
 * `npm run bench:reports` (a script that prints figures, not a test).
 *
 * Runs the real app in this process on fresh databases (DATABASE_URL's server, or an embedded
 * PostgreSQL when unset), seeds one tenant with BENCH_MESSAGES messages (1,000,000) over
 * BENCH_CONVERSATIONS conversations (20,000) spread over 90 days, 10 agents, 2 channels and 2
 * teams (one with business hours), most conversations answered and resolved, a third of the
 * resolutions with a satisfaction survey, and measures
 * `GET /api/reports/conversations` over the last 30 days (Moscow days) for each grouping over
 * loopback HTTP at BENCH_CONCURRENCY (4) clients. Target (issue 18): p95 < 200 ms.
 *
 * Knobs (environment): BENCH_REQUESTS (200 per row), BENCH_CONCURRENCY, BENCH_CONVERSATIONS,
 * BENCH_MESSAGES; BENCH_EXPLAIN=1 first prints EXPLAIN ANALYZE of each of the report's statements
 * (by agent, the grouping that joins the most). Only 127.0.0.1 and the database server are contacted.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { reportSql } from '../src/reports/reports.store';
import { appPeakRssLine } from './app-memory';
import { BenchApp, startBenchApp } from './bench-app';
import { benchKnobs, recordPrintedFigures } from './bench-results';
import { type Stats, envInt, loopbackClient, measure as measureLoad, note, percentile } from './load-loop';
import { runScript } from './run-script';
import { seedContacts } from './seed-contacts';

const REQUESTS = envInt('BENCH_REQUESTS', 200, 20, 100_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 4, 1, 100);
const CONVERSATIONS = envInt('BENCH_CONVERSATIONS', 20_000, 1_000, 1_000_000);
const MESSAGES = envInt('BENCH_MESSAGES', 1_000_000, CONVERSATIONS, 20_000_000);
const AGENTS = 10;
const WARMUP = 20;
const SCENARIO_BOUND_MS = 120_000;

const LOAD = { concurrency: CONCURRENCY, boundMs: SCENARIO_BOUND_MS, warmup: WARMUP };
const measure = (name: string, op: (i: number) => Promise<void>, count = REQUESTS): Promise<Stats> => measureLoad(name, op, count, LOAD);
const { agent, expectStatusOnly } = loopbackClient(CONCURRENCY);

/** Set-based, as the database owner, in one transaction (the triggers of the app's own writes are bypassed by setting the columns directly). */
async function seed(owner: Client, tenantId: string, callerId: string): Promise<void> {
  const channels = [randomUUID(), randomUUID()];
  const teams = [randomUUID(), randomUUID()];
  await owner.query('begin');
  await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
  await owner.query(`insert into teams (tenant_id, id, name) select $1, t, 'Team ' || t from unnest($2::uuid[]) t`, [tenantId, teams]);
  await owner.query(
    `insert into channels (tenant_id, id, kind, name, team_id) select $1, c, 'messenger', 'Bench page ' || c, ($3::uuid[])[i] from unnest($2::uuid[]) with ordinality as x(c, i)`,
    [tenantId, channels, teams],
  );
  // The first team keeps Moscow office hours: its conversations' times are also counted in them as they are stored.
  await owner.query(
    `insert into business_hours (tenant_id, team_id, time_zone, weekly, holidays)
     values ($1, $2, 'Europe/Moscow', $3, '["2026-01-01"]')`,
    [tenantId, teams[0], JSON.stringify(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, open: '09:00', close: '18:00' })))],
  );
  await owner.query(
    `insert into users (tenant_id, id, email, password_hash, role)
     select $1, gen_random_uuid(), 'agent-' || g || '@bench.example', 'x', 'agent' from generate_series(1, ${AGENTS - 1}) g`,
    [tenantId],
  );
  const agents = (await owner.query(`select id from users where tenant_id = $1 order by id`, [tenantId])).rows.map((r) => r.id as string);
  if (!agents.includes(callerId)) throw new Error('the caller is not among the users');
  const perConversation = Math.floor(MESSAGES / CONVERSATIONS);
  await owner.query(
    `create temp table seed on commit drop as
     select g, gen_random_uuid() as contact_id, gen_random_uuid() as conversation_id, 1 + g % 2 as ch,
            case when g % 5 = 0 then 'open' else 'resolved' end as status,
            case when g % 11 = 0 then null else ($1::uuid[])[1 + g % ${AGENTS}] end as assignee_id,
            date_trunc('milliseconds', now() - random() * interval '90 days') as at,
            random() * interval '2 hours' as response, random() * interval '2 days' as resolution
     from generate_series(1, ${CONVERSATIONS}) g`,
    [agents],
  );
  await seedContacts(owner, { tenantId, table: 'seed' });
  await owner.query(
    `insert into conversations (tenant_id, id, contact_id, channel_id, team_id, status, assignee_id, last_message_at, last_inbound_at, created_at, updated_at,
                                first_response_at, resolved_at)
     select $1, conversation_id, contact_id, ($2::uuid[])[ch], ($3::uuid[])[ch], status, assignee_id, at + interval '3 hours', at, at, at,
            case when g % 7 <> 0 then at + response end, case when status = 'resolved' then at + resolution end
     from seed`,
    [tenantId, channels, teams],
  );
  await owner.query(
    `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at, created_at)
     select $1, conversation_id, ($2::uuid[])[ch], case when k % 2 = 0 then 'inbound' else 'outbound' end,
            'Message ' || k, 'mid-bench-' || g || '-' || k, at + k * interval '1 minute', at + k * interval '1 minute'
     from seed cross join generate_series(0, ${perConversation - 1}) k`,
    [tenantId, channels],
  );
  // A third of the resolutions were asked for a rating, half of those answered.
  await owner.query(
    `insert into csat_surveys (tenant_id, conversation_id, channel_id, team_id, agent_id, resolved_at, asked_at, rating, answered_at, answered_via)
     select $1, conversation_id, ($2::uuid[])[ch], ($3::uuid[])[ch], assignee_id, at + resolution, at + resolution,
            case when g % 2 = 0 then 1 + g % 5 end, case when g % 2 = 0 then at + resolution end, case when g % 2 = 0 then 'reply' end
     from seed where status = 'resolved' and g % 3 = 0`,
    [tenantId, channels, teams],
  );
  await owner.query('commit');
  await owner.query('vacuum (analyze) contacts, conversations, messages, message_counts, users, teams, channels, business_hours, csat_surveys');
}

/** The plans of the report's statements for the last 30 Moscow days, as the app runs them (one tenant's rows under RLS). */
async function explain(owner: Client, tenantId: string, from: string, to: string): Promise<void> {
  const range = (
    await owner.query(`select ($1::date::timestamp at time zone 'Europe/Moscow') as f, (($2::date + 1)::timestamp at time zone 'Europe/Moscow') as t`, [
      from,
      to,
    ])
  ).rows[0] as { f: Date; t: Date };
  await owner.query('begin');
  await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
  await owner.query('set local jit = off'); // as the store does
  await owner.query('set local max_parallel_workers_per_gather = 0');
  for (const [name, sql] of Object.entries(reportSql('agent'))) {
    if (!sql) continue;
    const params = name === 'backlog' ? [tenantId] : [tenantId, range.f, range.t, 'Europe/Moscow'];
    const plan = (await owner.query(`explain (analyze, buffers) ${sql}`, params)).rows.map((r) => r['QUERY PLAN'] as string);
    process.stdout.write(`\n-- ${name}\n${plan.join('\n')}\n`);
  }
  await owner.query('rollback');
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function row(label: string, s: Stats): string {
  return [
    label.padEnd(46),
    String(s.n).padStart(6),
    Math.round(s.n / s.seconds)
      .toLocaleString('en-US')
      .padStart(8),
    ...[50, 95, 99].map((p) => fmt(percentile(s.lat, p)).padStart(8)),
  ].join(' ');
}

async function main(): Promise<void> {
  recordPrintedFigures('reports', benchKnobs());
  const t0 = performance.now();
  let bench: BenchApp | undefined;
  let owner: Client | undefined;
  try {
    bench = await startBenchApp();
    const { port, dbs } = bench;
    const tSeed = performance.now();
    const { accessToken: token, tenant, user } = await bench.signUp();
    owner = new Client({ connectionString: dbs.urls[tenant.region] });
    await owner.connect();
    await seed(owner, tenant.id, user.id);
    const [{ version }] = (await owner.query(`select current_setting('server_version') as version`)).rows;
    const [{ messages }] = (await owner.query(`select count(*)::int as messages from messages where tenant_id = $1`, [tenant.id])).rows;
    note(`seeded ${messages} messages, ${CONVERSATIONS} conversations in ${((performance.now() - tSeed) / 1000).toFixed(1)} s`);

    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
    if (process.env.BENCH_EXPLAIN) await explain(owner, tenant.id, day(30), day(0));
    const query = (groupBy: string) => `/api/reports/conversations?from=${day(30)}&to=${day(0)}&timeZone=Europe/Moscow&groupBy=${groupBy}`;
    const health = await measure('GET /health', async () => void (await expectStatusOnly(port, '/health', 200)));
    const rows: Array<{ label: string; s: Stats }> = [{ label: 'GET /health (floor)', s: health }];
    for (const groupBy of ['day', 'agent', 'channel', 'team'])
      rows.push({
        label: `  report, 30 days by ${groupBy}`,
        s: await measure(groupBy, async () => void (await expectStatusOnly(port, query(groupBy), 200, token))),
      });
    const csv = `/api/reports/conversations/csv?from=${day(30)}&to=${day(0)}&timeZone=Europe/Moscow`;
    rows.push({ label: '  CSV, 30 days by day', s: await measure('csv', async () => void (await expectStatusOnly(port, csv, 200, token))) });

    const where = process.env.DATABASE_URL ? 'DATABASE_URL server' : 'embedded';
    process.stdout.write(
      `\nReports: ${Number(messages).toLocaleString('en-US')} messages, ${CONVERSATIONS.toLocaleString('en-US')} conversations over 90 days, ${AGENTS} agents in one tenant. ` +
        `${REQUESTS} requests per row after ${WARMUP} warm-up, concurrency ${CONCURRENCY}, loopback\n` +
        `Node ${process.version}, ${cpus().length} CPU × ${cpus()[0]?.model.trim()}, PostgreSQL ${version} (${where}). Target: p95 < 200 ms\n\n` +
        `${''.padEnd(46)} ${'n'.padStart(6)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n` +
        rows.map((r) => row(r.label, r.s)).join('\n') +
        '\n' +
        appPeakRssLine(process.pid, true),
    );
  } finally {
    agent.destroy();
    await owner?.end().catch(() => undefined);
    await bench?.close();
    process.stdout.write(`total ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}

runScript(main);
