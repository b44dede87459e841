import type { Pool } from 'pg';
import { cpuSample } from './ingest-cpu';

/**
 * CPU milliseconds per request of the app (a child process), of the PostgreSQL backends serving
 * its database and of the load generator (this process), from /proc: unlike latencies on a shared
 * 2-core machine, these do not depend on what else runs on it.
 */
export interface RequestCpu {
  app: number;
  postgres: number;
  client: number;
}

/** The PostgreSQL backends serving `owner`'s database (the server may be shared with other work). */
async function backendPids(owner: Pool): Promise<number[]> {
  const { rows } = await owner.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
  return rows.map((r) => r.pid);
}

/** CPU seconds of the app and of each of this database's backends, by pid. */
async function cpuNow(appPid: number, owner: Pool): Promise<{ app: number; backends: Map<number, number> }> {
  const pids = await backendPids(owner);
  const s = cpuSample({ app: appPid, ...Object.fromEntries(pids.map((pid) => [`pg${pid}`, pid])) });
  return { app: s.seconds.app, backends: new Map(pids.map((pid) => [pid, s.seconds[`pg${pid}`]])) };
}

/** PostgreSQL's CPU between two samples: backends present in both (a pool may close idle ones, taking their count along). */
function backendSeconds(a: Map<number, number>, b: Map<number, number>): number {
  let sum = 0;
  for (const [pid, v] of b) sum += a.has(pid) ? v - a.get(pid)! : 0;
  return sum;
}

/**
 * Runs `work` (which answers how many requests it made) and answers its figures with the CPU per
 * request. Pools keep their connections for minutes, so the backends at both ends are the same.
 */
export async function withRequestCpu<T extends { n: number }>(appPid: number, owner: Pool, work: () => Promise<T>): Promise<T & { cpu: RequestCpu }> {
  const a = await cpuNow(appPid, owner);
  const client0 = process.cpuUsage();
  const result = await work();
  const client = process.cpuUsage(client0);
  const b = await cpuNow(appPid, owner);
  const per = (seconds: number) => (1000 * seconds) / result.n;
  return {
    ...result,
    cpu: { app: per(b.app - a.app), postgres: per(backendSeconds(a.backends, b.backends)), client: per((client.user + client.system) / 1e6) },
  };
}
