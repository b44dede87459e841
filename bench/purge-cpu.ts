import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * CPU time of the purge bench's processes (Linux /proc; zeros elsewhere), like bench/ingest-cpu.ts
 * but per PostgreSQL backend: a backend that exits between two samples (an idle pool connection
 * closed, the seed's session) takes its whole CPU history with it, which a sum over the cluster
 * would count as negative time. Here each backend counts only what it used between the samples
 * (from zero when it started in between; what an exiting one used is lost, an undercount).
 */
export interface CpuSnapshot {
  at: number;
  machine: number;
  named: Record<string, number>;
  /** pid -> CPU seconds of the postmaster and its children. */
  postgres: Map<number, number>;
}

let ticks = 0;
function clockTicks(): number {
  if (!ticks) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

function processCpu(pid: number | string): { ppid: number; seconds: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), seconds: (Number(f[11]) + Number(f[12])) / clockTicks() };
  } catch {
    return null;
  }
}

function machineBusy(): number {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / clockTicks();
  } catch {
    return 0;
  }
}

export function snapshot(pids: Record<string, number | undefined>, postmaster?: number): CpuSnapshot {
  const named: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) named[name] = pid ? (processCpu(pid)?.seconds ?? 0) : 0;
  const postgres = new Map<number, number>();
  if (postmaster) {
    let entries: string[] = [];
    try {
      entries = readdirSync('/proc');
    } catch {
      /* not Linux */
    }
    for (const e of entries) {
      if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
      const p = processCpu(e);
      if (p && (p.ppid === postmaster || Number(e) === postmaster)) postgres.set(Number(e), p.seconds);
    }
  }
  return { at: performance.now(), machine: machineBusy(), named, postgres };
}

/** Percent of one core between two snapshots: each name, `postgres`, and `other` (the rest of the machine). */
export function usage(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const wall = (b.at - a.at) / 1000;
  if (wall <= 0) return { postgres: 0, other: 0 };
  const out: Record<string, number> = {};
  for (const name of Object.keys(b.named)) out[name] = (100 * (b.named[name] - (a.named[name] ?? 0))) / wall;
  let pg = 0;
  for (const [pid, s] of b.postgres) pg += s - (a.postgres.get(pid) ?? 0);
  out.postgres = (100 * pg) / wall;
  const ours = Object.values(out).reduce((x, y) => x + y, 0);
  out.other = Math.max(0, (100 * (b.machine - a.machine)) / wall - ours);
  return out;
}
