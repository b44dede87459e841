/**
 * `npm run bench:triage-ab` (a script that prints figures, not a test): two builds of the app on
 * one seeded database, measured in turn, so that a change to the inbox list is judged against its
 * baseline in the same run; on this shared 2-core machine the same build's figures move by half
 * between runs minutes apart.
 *
 * A is the checkout at BENCH_BASELINE (required: another worktree with its own node_modules, e.g.
 * `git worktree add ../base main && cp -al node_modules ../base/`), B this one. B starts first and
 * migrates fresh databases (DATABASE_URL's server, or an embedded PostgreSQL when unset), the
 * tenant is seeded as bench:search's triage half seeds it (bench/triage-seed.ts; BENCH_CONVERSATIONS,
 * BENCH_MESSAGES), then A starts on the same databases. Both answer `GET /api/conversations?
 * assignee=me&unread=true` (first page, deeper pages by cursor) at BENCH_CONCURRENCY clients, in the
 * order BENCH_ORDER (ABBAABBA: a drift of the machine falls on both alike), BENCH_REQUESTS each.
 * Prints every row with the CPU per request of the app and of PostgreSQL, then the medians and
 * B's ratio to A. BENCH_A_ENV and BENCH_B_ENV (`NAME=value,NAME=value`) set the environment of one
 * app only: with BENCH_BASELINE naming this same checkout, A and B are one build under two settings.
 * Only 127.0.0.1 and the database server are contacted.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { AppProcess } from '../test/support/app-process';
import { BenchEnvironment, readBenchAppOptions, signUpEuOwner } from './bench-environment';
import { type Stats, envInt, loopbackClient, measure, note, percentile } from './load-loop';
import { type RequestCpu, withRequestCpu } from './request-cpu';
import { seedTriageTenant, seededCounts } from './triage-seed';
import { runScript } from './run-script';

const REQUESTS = envInt('BENCH_REQUESTS', 2000, 100, 100_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 10, 1, 100);
const CONVERSATIONS = envInt('BENCH_CONVERSATIONS', 20_000, 1_000, 1_000_000);
const MESSAGES = envInt('BENCH_MESSAGES', 1_000_000, CONVERSATIONS, 20_000_000);
const APP_WARMUP = envInt('BENCH_APP_WARMUP', 2000, 0, 100_000);
const ORDER = (process.env.BENCH_ORDER ?? 'ABBAABBA').toUpperCase();
const LOAD = { concurrency: CONCURRENCY, boundMs: 60_000, warmup: 0 };
const PAGE_SIZE = 25;

const { agent, expectStatus, expectStatusOnly } = loopbackClient(CONCURRENCY);

type Row = Stats & { cpu: RequestCpu };
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n: number) => n.toFixed(2).padStart(8);

/** `NAME=value,NAME=value` from the environment variable `name`: settings for one of the two apps only. */
function settingsOf(name: string): Record<string, string> {
  const pairs = (process.env[name] ?? '').split(',').filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`${name}: expected NAME=value pairs separated by commas, got ${pair}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

async function main(): Promise<number> {
  const baselineRoot = process.env.BENCH_BASELINE && resolve(process.env.BENCH_BASELINE);
  if (!baselineRoot || !existsSync(join(baselineRoot, 'src', 'main.ts')) || !existsSync(join(baselineRoot, 'node_modules'))) {
    process.stderr.write('BENCH_BASELINE must name another checkout of this project, with its node_modules installed\n');
    return 2;
  }
  if (!/^[AB]+$/.test(ORDER) || !ORDER.includes('A') || !ORDER.includes('B')) {
    process.stderr.write('BENCH_ORDER is a sequence of A and B, both present\n');
    return 2;
  }
  const bench = new BenchEnvironment('mm_bench_ab', 1_800_000);
  let baseline: AppProcess | undefined;
  bench.onCleanup(async () => {
    agent.destroy();
    await baseline?.stop();
  });
  return bench.run(async () => {
    const forB = readBenchAppOptions();
    const { app, owner } = await bench.start({ max: 3 }, { ...forB, env: { ...forB.env, ...settingsOf('BENCH_B_ENV') } });
    const { accessToken: token, tenant, user } = await signUpEuOwner(app.url);
    const seeder = await owner.connect();
    try {
      await seedTriageTenant(seeder, tenant.id, user.id, { conversations: CONVERSATIONS, messages: MESSAGES, agents: 10 });
      const { messages, unread } = await seededCounts(seeder, tenant.id, user.id);
      note(`seeded ${messages} messages; the caller has ${unread} unread conversations`);
    } finally {
      seeder.release();
    }
    note(`starting the baseline app from ${baselineRoot}`);
    baseline = new AppProcess(
      { ...bench.env, WORKERS: 'off', ...settingsOf('BENCH_A_ENV') },
      [],
      isAbsolute(baselineRoot) ? baselineRoot : resolve(baselineRoot),
    );
    await baseline.start(90_000);
    const apps = { A: baseline, B: app };

    const path = (cursor?: string) => `/api/conversations?assignee=me&unread=true&limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const body = JSON.parse(await expectStatus(app.port, path(cursor), 200, token)) as { nextCursor: string | null };
      cursor = body.nextCursor ?? undefined;
      if (cursor) cursors.push(cursor);
    } while (cursor && cursors.length < 10_000);
    // Both builds answer the same pages (a change meant to be faster must not answer otherwise).
    for (const at of [undefined, cursors[Math.floor(cursors.length / 2)]]) {
      const [a, b] = await Promise.all([expectStatus(baseline.port, path(at), 200, token), expectStatus(app.port, path(at), 200, token)]);
      if (JSON.stringify(JSON.parse(a)) !== JSON.stringify(JSON.parse(b))) note('the two builds answer the same page differently');
    }

    const pages: Array<[string, (i: number) => string | undefined]> = [
      ['first page', () => undefined],
      ['deeper pages', (i) => cursors[i % cursors.length]],
    ];
    for (const k of ['A', 'B'] as const)
      await measure(
        `${k} (warm-up)`,
        async (i) => void (await expectStatusOnly(apps[k].port, path(i % 2 ? cursors[i % cursors.length] : undefined), 200, token)),
        APP_WARMUP,
        LOAD,
      );

    const rows: Array<{ build: 'A' | 'B'; page: string; s: Row }> = [];
    const line = (label: string, rps: number, p50: number, p95: number, appMs: number, pgMs: number) =>
      `${label.padEnd(24)} ${Math.round(rps).toLocaleString('en-US').padStart(7)} ${fmt(p50)} ${fmt(p95)} ${fmt(appMs)} ${fmt(pgMs)}\n`;
    const header = `${''.padEnd(24)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'app ms'.padStart(8)} ${'pg ms'.padStart(8)}\n`;
    let out = header;
    for (const build of ORDER.split('') as Array<'A' | 'B'>) {
      for (const [page, pick] of pages) {
        const target = apps[build];
        const s = await withRequestCpu(target.pid!, owner, () =>
          measure(`${build} ${page}`, async (i) => void (await expectStatusOnly(target.port, path(pick(i)), 200, token)), REQUESTS, LOAD),
        );
        rows.push({ build, page, s });
        out += line(`${build} ${page}`, s.n / s.seconds, percentile(s.lat, 50), percentile(s.lat, 95), s.cpu.app, s.cpu.postgres);
      }
    }
    out += `\nmedians\n${header}`;
    const ratios: string[] = [];
    for (const [page] of pages) {
      const of = (build: 'A' | 'B') => {
        const mine = rows.filter((r) => r.build === build && r.page === page).map((r) => r.s);
        return {
          rps: median(mine.map((s) => s.n / s.seconds)),
          p50: median(mine.map((s) => percentile(s.lat, 50))),
          p95: median(mine.map((s) => percentile(s.lat, 95))),
          app: median(mine.map((s) => s.cpu.app)),
          pg: median(mine.map((s) => s.cpu.postgres)),
        };
      };
      const a = of('A');
      const b = of('B');
      out += line(`A ${page}`, a.rps, a.p50, a.p95, a.app, a.pg) + line(`B ${page}`, b.rps, b.p50, b.p95, b.app, b.pg);
      ratios.push(
        `${page}: B/A req/s ${(b.rps / a.rps).toFixed(2)}x, p95 ${(b.p95 / a.p95).toFixed(2)}x, app CPU ${(b.app / a.app).toFixed(2)}x, PostgreSQL CPU ${(b.pg / a.pg).toFixed(2)}x`,
      );
    }
    process.stdout.write(
      `\nInbox list A/B: A = ${baselineRoot}, B = ${join(__dirname, '..')}; ${MESSAGES.toLocaleString('en-US')} messages, ${CONVERSATIONS.toLocaleString('en-US')} conversations; ` +
        `${REQUESTS} requests per row at ${CONCURRENCY} clients after ${APP_WARMUP} warm-up requests per app; app ms, pg ms: CPU per request\n\n${out}\n${ratios.join('\n')}\n`,
    );
    return 0;
  });
}

runScript(main);
