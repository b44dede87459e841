/**
 * Every bench, one after the other, at sizes that fit in 10 minutes together: `npm run bench`.
 * Each writes its figures to bench/results/<name>.json (with the machine description); this
 * prints how long each took and where its figures are. The full sizes are each bench's own
 * defaults (`npm run bench:<name>`); the knobs here only shrink them. A bench still running at its
 * bound is stopped; once the budget is spent, the rest are skipped, and the summary says so.
 *
 * BENCH_ONLY=name,name runs a subset. Output of each bench goes to this process's stdout/stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RESULTS_DIR } from './bench-results';

interface Entry {
  name: string;
  script: string;
  /** The knobs that make it small. */
  env: Record<string, string>;
  boundS: number;
}

const ROOT = join(__dirname, '..');
const BUDGET_S = 600;

// Bounds add up to the budget; sizes are chosen to finish well inside them on a quiet 2-core machine.
const ENTRIES: Entry[] = [
  { name: 'conversations-list', script: 'conversations-list.bench.ts', env: { BENCH_REQUESTS: '100', BENCH_CONVERSATIONS: '10000' }, boundS: 100 },
  { name: 'triage-list', script: 'triage-list.bench.ts', env: { BENCH_REQUESTS: '100', BENCH_CONVERSATIONS: '2000', BENCH_MESSAGES: '20000' }, boundS: 70 },
  { name: 'search', script: 'search.bench.ts', env: { BENCH_REQUESTS: '50', BENCH_MESSAGES: '10000' }, boundS: 70 },
  {
    name: 'ingest',
    script: 'ingest.bench.ts',
    env: {
      BENCH_PHASE_SECONDS: '3',
      BENCH_BASELINE_SECONDS: '2',
      BENCH_SUSTAIN_SECONDS: '5',
      BENCH_SUSTAIN_RATE: '300',
      BENCH_MIX_TENANTS: '10',
      BENCH_MIX_PAGES: '20',
    },
    boundS: 110,
  },
  { name: 'send', script: 'send.bench.ts', env: { BENCH_REPLIES: '300', BENCH_CONVERSATIONS: '30' }, boundS: 70 },
  { name: 'events', script: 'events.bench.ts', env: { BENCH_STREAMS: '200', BENCH_TENANTS: '4', BENCH_RATE: '100', BENCH_SECONDS: '5' }, boundS: 80 },
  { name: 'crm', script: 'crm.bench.ts', env: { BENCH_CRM_CLIENTS: '1000', BENCH_CRM_RATE_SCALE: '10' }, boundS: 50 },
  { name: 'media', script: 'media.bench.ts', env: { BENCH_UPLOADS: '40', BENCH_CONCURRENCY: '40' }, boundS: 60 },
  { name: 'purge', script: 'purge.bench.ts', env: { BENCH_PURGE_MESSAGES: '10000', BENCH_PURGE_BASELINE_SECONDS: '3' }, boundS: 50 },
  { name: 'reports', script: 'reports.bench.ts', env: { BENCH_REQUESTS: '40', BENCH_CONVERSATIONS: '1000', BENCH_MESSAGES: '20000' }, boundS: 60 },
  { name: 'message-counts', script: 'message-counts.bench.ts', env: { BENCH_CONVERSATIONS: '200', BENCH_ROUNDS: '1' }, boundS: 40 },
];

function run(entry: Entry, boundS: number): Promise<{ code: number | null; seconds: number; stopped: boolean }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'scripts', 'swc-register.js'), join(__dirname, entry.script)], {
      cwd: ROOT,
      env: { ...process.env, ...entry.env },
      stdio: 'inherit',
    });
    let stopped = false;
    // SIGINT: each bench cleans up (stops its app, drops its databases) on Ctrl-C.
    const timer = setTimeout(() => {
      stopped = true;
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    }, boundS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: (performance.now() - started) / 1000, stopped });
    });
  });
}

async function main(): Promise<number> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const entries = only ? ENTRIES.filter((e) => only.includes(e.name)) : ENTRIES;
  const started = performance.now();
  const summary: string[] = [];
  let failed = 0;
  for (const entry of entries) {
    const left = BUDGET_S - (performance.now() - started) / 1000;
    if (left < 30) {
      summary.push(`${entry.name.padEnd(20)} skipped: the ${BUDGET_S} s budget is spent`);
      continue;
    }
    process.stdout.write(
      `\n=== bench ${entry.name} (${Object.entries(entry.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')})\n`,
    );
    const runStart = Date.now();
    const { code, seconds, stopped } = await run(entry, Math.min(entry.boundS, left));
    const path = join(RESULTS_DIR, `${entry.name}.json`);
    const fresh = existsSync(path) && statSync(path).mtimeMs >= runStart;
    if (code !== 0 || !fresh) failed++;
    summary.push(
      `${entry.name.padEnd(20)} ${seconds.toFixed(0).padStart(4)} s  ${stopped ? 'stopped at its bound' : `exit ${code}`}  ${fresh ? path : 'no figures written'}`,
    );
  }
  process.stdout.write(`\n=== all benches: ${((performance.now() - started) / 1000).toFixed(0)} s\n${summary.join('\n')}\n`);
  return failed > 0 ? 1 : 0;
}

void main().then((code) => process.exit(code));
