import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidConfigError } from '../config/app-config';

/**
 * Who holds an embedded cluster. The server's own pid file (postmaster.pid) says whether a
 * PostgreSQL runs on it; the app's pid file beside the cluster says which app started that
 * server. After a crash or `kill -9` of the app the server lives on, orphaned: the next start
 * stops it and carries on. Only a living app blocks a second start.
 */
export type ClusterState = { state: 'free' } | { state: 'app'; appPid: number; serverPid: number } | { state: 'orphan'; serverPid: number };

/** Printed as it is, like a configuration error: it says what to do. */
export class ClusterInUseError extends InvalidConfigError {}

export function appPidFile(databaseDir: string): string {
  return join(databaseDir, '..', `${lastSegment(databaseDir)}.app.pid`);
}

export function recordAppPid(databaseDir: string): void {
  writeFileSync(appPidFile(databaseDir), `${process.pid}\n`);
}

export function forgetAppPid(databaseDir: string): void {
  const file = appPidFile(databaseDir);
  if (existsSync(file) && readPid(file) === process.pid) rmSync(file, { force: true });
}

export function clusterState(databaseDir: string): ClusterState {
  const serverPid = readPid(join(databaseDir, 'postmaster.pid'));
  if (serverPid === null || !isAlive(serverPid)) return { state: 'free' };
  const appPid = readPid(appPidFile(databaseDir));
  const parent = parentPid(serverPid);
  // The recorded app, if it is alive and (where the system tells) still the server's parent.
  if (appPid !== null && appPid !== process.pid && isAlive(appPid) && (parent === null || parent === appPid)) return { state: 'app', appPid, serverPid };
  // No record (an older version started it): a living node parent is an app too.
  if (appPid === null && parent !== null && parent > 1 && isNode(parent)) return { state: 'app', appPid: parent, serverPid };
  return { state: 'orphan', serverPid };
}

/** Throws ClusterInUseError naming the living app; stops an orphaned server (fast shutdown) and waits for it. */
export async function takeOverCluster(databaseDir: string, log: (line: string) => void = () => undefined, timeoutMs = 30_000): Promise<void> {
  const s = clusterState(databaseDir);
  if (s.state === 'free') return;
  if (s.state === 'app') {
    throw new ClusterInUseError(
      `MonkeyMachine is already running on the embedded database in ${databaseDir} (app pid ${s.appPid}): stop it first (Ctrl+C in its terminal, or kill ${s.appPid}), or give this one another DATA_DIR or a DATABASE_URL.`,
    );
  }
  log(`the embedded PostgreSQL (pid ${s.serverPid}) was left running by an app that is gone (a crash or kill -9): stopping it`);
  try {
    process.kill(s.serverPid, 'SIGINT'); // fast shutdown: rolls back open transactions, checkpoints, exits
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw new ClusterInUseError(
        `The embedded PostgreSQL in ${databaseDir} (pid ${s.serverPid}) was left running and cannot be stopped by this user: stop it (kill ${s.serverPid}), then start again.`,
      );
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(s.serverPid)) {
    if (Date.now() > deadline)
      throw new ClusterInUseError(
        `The orphaned embedded PostgreSQL (pid ${s.serverPid}) in ${databaseDir} did not stop within ${timeoutMs / 1000} s: stop it (kill ${s.serverPid}), then start again.`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0].trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Alive and not a zombie (an exited child nobody reaped yet still answers signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false; // EPERM: alive, another user's
  }
  return procStat(pid)?.state !== 'Z';
}

function procStat(pid: number): { state: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

function parentPid(pid: number): number | null {
  return procStat(pid)?.ppid ?? null;
}

function isNode(pid: number): boolean {
  try {
    return /(^|\/)node(js)?(\0|$)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] + '\0');
  } catch {
    return false;
  }
}

function lastSegment(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? 'db';
}
