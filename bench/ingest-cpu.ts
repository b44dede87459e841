import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * CPU time used by the processes of the ingest bench (Linux /proc; zeros elsewhere). On a
 * 2-core machine the load generator, the app and PostgreSQL share the cores, so the split tells
 * which one a phase was bound by.
 */
export interface CpuSample {
  at: number;
  /** CPU seconds by name (from `pids`), plus `postgres`: every process named postgres. */
  seconds: Record<string, number>;
}

let ticksPerSecond = 0;
function clockTicks(): number {
  if (!ticksPerSecond) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** [command name, user+system CPU seconds] of one process, or null when it is gone. */
function processCpu(pid: number | string): [string, number] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' '); // fields[0] is field 3 (state)
    return [comm, (Number(fields[11]) + Number(fields[12])) / clockTicks()];
  } catch {
    return null;
  }
}

export function cpuSample(pids: Record<string, number | undefined>): CpuSample {
  const seconds: Record<string, number> = { postgres: 0 };
  for (const [name, pid] of Object.entries(pids)) seconds[name] = pid ? (processCpu(pid)?.[1] ?? 0) : 0;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    /* not Linux */
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const p = processCpu(entry);
    if (p && p[0] === 'postgres') seconds.postgres += p[1];
  }
  return { at: performance.now(), seconds };
}

/** Per name: percent of one core used between two samples. */
export function cpuPercent(a: CpuSample, b: CpuSample): Record<string, number> {
  const wall = (b.at - a.at) / 1000;
  const out: Record<string, number> = {};
  for (const name of Object.keys(b.seconds)) out[name] = wall > 0 ? (100 * (b.seconds[name] - (a.seconds[name] ?? 0))) / wall : 0;
  return out;
}
