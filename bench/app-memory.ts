import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The resident set of a process in MiB (Linux /proc; NaN elsewhere or once it is gone). */
export function rssMiB(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/**
 * The app's RSS sampled every 250 ms while a bench runs: `peak` since start (or the last
 * `resetPeak`). A leak check compares the RSS after two consecutive runs of the same load: the
 * first run's growth includes warm-up (JIT, pools, caches filling), the second's should be none.
 */
export class RssSampler {
  peak = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly pid: number) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
    return this;
  }

  /** The RSS now (also counted in the peak). */
  sample(): number {
    const now = rssMiB(this.pid);
    if (Number.isFinite(now)) this.peak = Math.max(this.peak, now);
    return now;
  }

  /** Starts a new peak from now: the peak of one round only. */
  resetPeak(): void {
    this.peak = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The leak check's verdict: growth over the second round within `toleranceMiB` (allocator noise) is none. */
export function leakVerdict(afterFirst: number, afterSecond: number, toleranceMiB = 8): { growthMiB: number; grew: boolean } {
  const growthMiB = afterSecond - afterFirst;
  return { growthMiB, grew: growthMiB > toleranceMiB };
}

/** What the app reported after a full collection (bench/memory-probe.preload.js), in MiB. */
export interface CollectedMemory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * The app's node flags and environment for `probeMemory` (add them to the bench's app options):
 * a file of its own per run.
 */
export function memoryProbeOptions(): { nodeArgs: string[]; env: Record<string, string>; file: string } {
  const file = join(tmpdir(), `mm-memory-probe-${process.pid}-${Date.now()}.json`);
  return { nodeArgs: ['--expose-gc', '-r', join(__dirname, 'memory-probe.preload.js')], env: { BENCH_MEMORY_PROBE: file }, file };
}

/** Asks the app (SIGUSR2) to collect its garbage and report its memory; waits for the report (bounded). */
export async function probeMemory(pid: number, file: string): Promise<CollectedMemory | null> {
  const before = existsSync(file) ? statSync(file).mtimeMs : 0;
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (existsSync(file) && statSync(file).mtimeMs !== before) {
      try {
        const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
        const mib = (n: number) => n / 2 ** 20;
        return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) };
      } catch {
        // written while read: try again
      }
    }
  }
  return null;
}

/** The peak resident set of a process in MiB as the kernel kept it (VmHWM): no sampling interval can miss it. NaN once gone. */
export function peakRssMiB(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

/**
 * The line every bench prints about the app's memory: its peak RSS so far. An app started in the
 * bench's own process shares it with the load generator and the seeding, which the line says.
 */
export function appPeakRssLine(pid: number, inBenchProcess: boolean): string {
  const peak = peakRssMiB(pid);
  const what = inBenchProcess ? 'the bench process (app, load generator and seeding together)' : 'the app process';
  return `app peak RSS: ${Number.isFinite(peak) ? `${peak.toFixed(1)} MiB` : 'unknown (no /proc)'}, ${what}\n`;
}
