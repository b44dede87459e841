import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterInUseError, appPidFile, clusterState, takeOverCluster } from './cluster-owner';

describe('who holds an embedded cluster', () => {
  let dir: string;
  beforeEach(() => (dir = join(mkdtempSync(join(tmpdir(), 'mm-embedded-')), 'db')));
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const pidFile = (pid: number) => {
    require('node:fs').mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'postmaster.pid'), `${pid}\n${dir}\n1764000000\n5432\n`);
  };

  it('lets a fresh or cleanly stopped cluster start', async () => {
    expect(clusterState(dir)).toEqual({ state: 'free' });
    await expect(takeOverCluster(dir)).resolves.toBeUndefined();
  });

  it('ignores a server pid file a crash left behind (no such process)', () => {
    pidFile(2 ** 22 + 12345); // above Linux's pid_max: no such process
    expect(clusterState(dir)).toEqual({ state: 'free' });
  });

  it('refuses while the app that started the server lives, naming the app', async () => {
    // An "app" process whose child plays its PostgreSQL server.
    const app = spawn(
      process.execPath,
      [
        '-e',
        "const c = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }); console.log(c.pid); setTimeout(() => {}, 60000)",
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    try {
      const serverPid = Number(await new Promise<string>((resolve) => app.stdout!.once('data', (d) => resolve(String(d)))));
      pidFile(serverPid);
      writeFileSync(appPidFile(dir), `${app.pid}\n`);
      expect(clusterState(dir)).toEqual({ state: 'app', appPid: app.pid, serverPid });
      await expect(takeOverCluster(dir)).rejects.toThrow(ClusterInUseError);
      await expect(takeOverCluster(dir)).rejects.toThrow(`(app pid ${app.pid}): stop it first`);
      process.kill(serverPid, 'SIGKILL');
    } finally {
      app.kill('SIGKILL');
    }
  });

  it('stops a server whose app is gone, and waits for it', async () => {
    const server = spawn(process.execPath, ['-e', 'process.on("SIGINT", () => process.exit(0)); setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    pidFile(server.pid!);
    writeFileSync(appPidFile(dir), `${2 ** 22 + 54321}\n`); // the app that was killed
    expect(clusterState(dir)).toEqual({ state: 'orphan', serverPid: server.pid });
    const exited = new Promise<string>((resolve) => server.once('exit', () => resolve('exited')));
    const lines: string[] = [];
    await takeOverCluster(dir, (l) => lines.push(l));
    // takeOverCluster returns once the process is a zombie; Node records the exit a tick later.
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 5000).unref());
    await expect(Promise.race([exited, late])).resolves.toBe('exited');
    expect(lines.join()).toMatch(`(pid ${server.pid}) was left running by an app that is gone`);
  });
});
