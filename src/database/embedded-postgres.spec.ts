import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertClusterFree } from './embedded-postgres';

describe('the embedded cluster guard', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mm-embedded-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pidFile = (pid: number) => writeFileSync(join(dir, 'postmaster.pid'), `${pid}\n${dir}\n1764000000\n5432\n`);

  it('lets a fresh or cleanly stopped cluster start', () => {
    expect(() => assertClusterFree(dir)).not.toThrow();
  });

  it('refuses a cluster a live process holds, naming it and what to do', () => {
    pidFile(process.pid);
    expect(() => assertClusterFree(dir)).toThrow(`is in use by another process (pid ${process.pid}): stop the other MonkeyMachine first, or set DATABASE_URL`);
  });

  it('lets PostgreSQL deal with a pid file a crash left behind', () => {
    pidFile(2 ** 22 + 12345); // above Linux's pid_max: no such process
    expect(() => assertClusterFree(dir)).not.toThrow();
  });
});
