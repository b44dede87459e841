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
  /**
   * CPU seconds by name (from `pids`), plus `postgres`: the cluster of `postmaster` (it and its
   * children), and `machine`: every CPU's busy time, so `other` = machine - ours shows a noisy box.
   */
  seconds: Record<string, number>;
  /** CPU seconds of each process counted in `pgOther`: backends come and go, so its delta is taken per process. */
  pgOtherByPid?: Map<number, number>;
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

/** Parent pid and user+system CPU seconds of one process, or null when it is gone. */
function processCpu(pid: number | string): { ppid: number; seconds: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return { ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / clockTicks() };
  } catch {
    return null;
  }
}

/** The postmaster of the server a backend belongs to (its parent process). */
export function parentPid(pid: number): number | undefined {
  return processCpu(pid)?.ppid;
}

function machineBusySeconds(): number {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / clockTicks();
  } catch {
    return 0;
  }
}

/**
 * `ours`: the backends of the bench's own databases (see ourBackends). Then `postgres` counts only
 * them and `pgOther` the rest of the cluster (other databases' backends, which on a shared server
 * are other people's work, and the shared background processes); without it `postgres` is the
 * whole cluster.
 */
export function cpuSample(pids: Record<string, number | undefined>, postmaster?: number, ours?: ReadonlySet<number>): CpuSample {
  const seconds: Record<string, number> = { postgres: 0, machine: machineBusySeconds() };
  const pgOtherByPid = ours ? new Map<number, number>() : undefined;
  if (ours) seconds.pgOther = 0;
  for (const [name, pid] of Object.entries(pids)) seconds[name] = pid ? (processCpu(pid)?.seconds ?? 0) : 0;
  if (postmaster) {
    let entries: string[] = [];
    try {
      entries = readdirSync('/proc');
    } catch {
      /* not Linux */
    }
    for (const entry of entries) {
      if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
      const p = processCpu(entry);
      if (!p || !(p.ppid === postmaster || Number(entry) === postmaster)) continue;
      if (!ours || ours.has(Number(entry))) seconds.postgres += p.seconds;
      else {
        seconds.pgOther += p.seconds;
        pgOtherByPid?.set(Number(entry), p.seconds);
      }
    }
  }
  return { at: performance.now(), seconds, pgOtherByPid };
}

/** Per name: percent of one core used between two samples; `other` is the machine's rest. */
export function cpuPercent(a: CpuSample, b: CpuSample): Record<string, number> {
  const wall = (b.at - a.at) / 1000;
  const out: Record<string, number> = {};
  for (const name of Object.keys(b.seconds)) out[name] = wall > 0 ? (100 * (b.seconds[name] - (a.seconds[name] ?? 0))) / wall : 0;
  if (a.pgOtherByPid && b.pgOtherByPid && wall > 0) {
    // A process that ended meanwhile is not counted (its time is lost); one that started is counted whole.
    let delta = 0;
    for (const [pid, s] of b.pgOtherByPid) delta += s - (a.pgOtherByPid.get(pid) ?? 0);
    out.pgOther = (100 * delta) / wall;
  }
  out.other = Math.max(0, out.machine - Object.entries(out).reduce((sum, [name, v]) => (name === 'machine' ? sum : sum + v), 0));
  return out;
}
