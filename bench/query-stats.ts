import { existsSync, readFileSync, statSync } from 'node:fs';
import { ms, sleep } from './bench-environment';

/** What query-stats.preload.js wrote for one window: each statement text's calls and summed round trips. */
export interface StatementStats {
  windowMs: number;
  statements: Array<{ text: string; calls: number; ms: number }>;
}

/**
 * Opens (first call) or closes and reads (second call) the app's statement-count window
 * (query-stats.preload.js, loaded with BENCH_QUERY_STATS=file and, if not SIGUSR2, BENCH_QUERY_STATS_SIGNAL=signal).
 */
export async function statementWindow(
  pid: number | undefined,
  file: string,
  close: boolean,
  signal: NodeJS.Signals = 'SIGUSR2',
): Promise<StatementStats | undefined> {
  if (!pid) return undefined;
  const before = existsSync(file) ? statSync(file).mtimeMs : 0;
  process.kill(pid, signal);
  if (!close) return undefined;
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    if (existsSync(file) && statSync(file).mtimeMs !== before) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as StatementStats;
      } catch {
        /* still being written */
      }
    }
  }
  return undefined;
}

/** The `top` most frequent statements, each per `per` (a message, a send) with its mean round trip. */
export function statementLines(stats: StatementStats, per: number, top: number): string[] {
  const n = Math.max(1, per);
  return stats.statements
    .slice(0, top)
    .map((s) => `  ${(s.calls / n).toFixed(3).padStart(7)}  ${ms(s.ms / Math.max(1, s.calls)).padStart(6)} ms  ${s.text.slice(0, 110)}`);
}

/** All statements of the window. */
export const statementCalls = (stats: StatementStats): number => stats.statements.reduce((a, s) => a + s.calls, 0);
