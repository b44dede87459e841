import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * Every bench writes its figures to bench/results/<name>.json with a description of the machine
 * and of the code it ran, so two runs (or two machines) can be compared. The figures of one run
 * are only comparable with each other: the ratios a bench prints are what carries across machines.
 */
export const RESULTS_DIR = join(__dirname, 'results');

export interface MachineDescription {
  node: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1-minute load average when the bench started: above the core count, the box was busy with more than the bench. */
  loadAverageAtStart: number;
  postgres?: string;
  database: string;
  commit?: string;
}

const loadAtStart = loadavg()[0];

export function describeMachine(postgresVersion?: string): MachineDescription {
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = undefined;
  }
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: Math.round(loadAtStart * 100) / 100,
    postgres: postgresVersion,
    database: process.env.DATABASE_URL ? 'DATABASE_URL server' : 'embedded PostgreSQL',
    commit,
  };
}

/** Writes bench/results/<name>.json: when, on what, with which knobs, and the figures. Returns the path. */
export function writeResults(name: string, content: { postgres?: string; knobs: Record<string, unknown>; figures: unknown }): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  const round = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v);
  writeFileSync(
    path,
    `${JSON.stringify({ bench: name, at: new Date().toISOString(), machine: describeMachine(content.postgres), knobs: content.knobs, figures: content.figures }, round, 2)}\n`,
  );
  return path;
}

/**
 * For a bench that prints its figures and does not structure them itself: everything it writes to
 * stdout is kept and, when the process exits, written to bench/results/<name>.json as `printed`
 * lines (with the machine description and the knobs), so every bench leaves a comparable record.
 */
export function recordPrintedFigures(name: string, knobs: Record<string, unknown>): void {
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.once('exit', (code) => {
    try {
      const lines = printed.join('').split('\n');
      writeResults(name, { knobs: { ...knobs, exitCode: code }, figures: { printed: lines.filter((l, i) => l.trim() !== '' || lines[i - 1]?.trim() !== '') } });
    } catch (err) {
      process.stderr.write(`could not write the results of ${name}: ${(err as Error).message}\n`);
    }
  });
}

/** The BENCH_* variables a run was given: the knobs of a bench that does not list its own. */
export const benchKnobs = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')) as Array<[string, string]>);
