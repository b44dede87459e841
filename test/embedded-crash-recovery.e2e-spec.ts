import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../src/database/cluster-owner';
import { AppProcess } from './support/app-process';

jest.setTimeout(180_000);

/**
 * `npm start` with the embedded PostgreSQL, killed with SIGKILL: the server it started lives on,
 * orphaned. The next start finds it (its pid file, no living app), stops it and starts normally;
 * a second start while the app lives is refused, naming the app's pid.
 */
describe('embedded database after kill -9', () => {
  let dataDir: string;
  const apps: AppProcess[] = [];
  const embedded = () => {
    // No DATABASE_URL: the app runs its own PostgreSQL under DATA_DIR, as `npm start` does.
    const app = new AppProcess({ DATABASE_URL: undefined, REGION_DATABASE_URLS: undefined, DATA_DIR: dataDir, SMTP_PORT: '0', WORKERS: 'on' });
    apps.push(app);
    return app;
  };
  const serverPid = () => Number(readFileSync(join(dataDir, 'db', 'postmaster.pid'), 'utf8').split('\n')[0]);

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mm-crash-'));
    chmodSync(dataDir, 0o755); // the server runs as user postgres when we are root
  });
  afterAll(async () => {
    for (const app of apps) await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts again after kill -9, stopping the orphaned server, and keeps the data', async () => {
    const first = embedded();
    await first.start(120_000);
    const signup = await fetch(`${first.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationName: 'Crash Co', email: 'owner@crash.test', password: 'a long enough password' }),
    });
    expect(signup.status).toBe(201);
    const orphan = serverPid();

    await first.kill9();
    expect(isAlive(orphan)).toBe(true); // the embedded PostgreSQL outlived its app

    const second = embedded();
    await second.start(120_000);
    expect(second.output).toMatch(new RegExp(`embedded PostgreSQL \\(pid ${orphan}\\) was left running by an app that is gone`));
    expect(isAlive(orphan)).toBe(false);
    const login = await fetch(`${second.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@crash.test', password: 'a long enough password' }),
    });
    expect(login.status).toBe(200);

    // Only a living app blocks a start, and the refusal names it.
    const third = embedded();
    await expect(third.start(60_000)).rejects.toThrow(/exited with 1/);
    expect(third.output).toContain(`MonkeyMachine is already running on the embedded database in ${join(dataDir, 'db')} (app pid ${second.pid})`);
    expect((await fetch(`${second.url}/health`)).status).toBe(200);
  });
});
