import { createServer, type Server } from 'node:http';
import { Client } from 'pg';
import { loadConfig } from '../src/config/app-config';
import { freePort } from '../src/database/embedded-postgres';
import { preflightDatabases } from '../src/database/database-preflight';
import { AppProcess } from './support/app-process';
import { TestApp, regionUrl, testEnv } from './support/test-app';

jest.setTimeout(120_000);

/** What a newcomer gets wrong first: each refusal names the variable and the fix, in one message. */
describe('errors that name the fix', () => {
  const noStack = /\n\s+at /;

  it('a taken PORT names PORT and a free alternative; a missing META_APP_SECRET is warned about at start', async () => {
    // An HTTP server, so the test's health polling gets an answer (503) rather than a hang.
    const squatter: Server = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const app = new AppProcess(await testEnv());
      app.port = port;
      await expect(app.start()).rejects.toThrow(/exited with 1/);
      expect(app.output).toContain(
        `PORT: port ${port} is taken on 127.0.0.1 (another program, or another MonkeyMachine, listens there): stop it, or choose another port, e.g. PORT=${port + 1}`,
      );
      expect(app.output).toContain('META_APP_SECRET is not set: Messenger, Instagram and WhatsApp webhooks');
      expect(app.output).not.toMatch(noStack);
    } finally {
      squatter.close();
    }
  });

  it('an unreachable DATABASE_URL is one line naming the variable, the host and the cause', async () => {
    const closed = await freePort();
    const env = await testEnv();
    const app = new AppProcess({ ...env, REGION_DATABASE_URLS: undefined, DATABASE_URL: `postgres://someone:pw@127.0.0.1:${closed}/monkeymachine` });
    await expect(app.start()).rejects.toThrow(/exited with 1/);
    const line = `DATABASE_URL: cannot use PostgreSQL at 127.0.0.1:${closed} (database monkeymachine): connection refused: nothing listens on 127.0.0.1:${closed}`;
    expect(app.output).toContain(line);
    expect(app.output.split(line)).toHaveLength(2); // printed once
    expect(app.output).not.toMatch(noStack);
  });

  it('a wrong password or a missing database says which', async () => {
    const url = new URL(await regionUrl('eu'));
    const bad = new URL(url);
    bad.pathname = '/no_such_database_here';
    await expect(preflightDatabases({ regionDatabaseUrls: { eu: bad.toString() }, defaultRegion: 'eu', databaseUrlVariable: 'DATABASE_URL' })).rejects.toThrow(
      /DATABASE_URL: cannot use PostgreSQL at .* \(database no_such_database_here\): database "no_such_database_here" does not exist/,
    );
  });

  it('refuses a DEFAULT_REGION changed on existing data, naming the region the data is in', async () => {
    const t = await TestApp.start();
    await t.signup({ region: 'eu' });
    await t.close();
    const eu = await regionUrl('eu');
    const ru = await regionUrl('ru');
    // One database whose organizations are in eu, now said to be ru.
    await expect(preflightDatabases({ regionDatabaseUrls: { ru: eu }, defaultRegion: 'ru', databaseUrlVariable: 'DATABASE_URL' })).rejects.toThrow(
      'DEFAULT_REGION: the data in this database is in region eu, but the configured regions are ru (DEFAULT_REGION=ru): set DEFAULT_REGION=eu',
    );
    // Two regions, the default switched to the one without the directory.
    await expect(preflightDatabases({ regionDatabaseUrls: { eu, ru }, defaultRegion: 'ru', databaseUrlVariable: 'REGION_DATABASE_URLS' })).rejects.toThrow(
      "DEFAULT_REGION: the existing directory (the organizations and their regions) is in region eu's database, but DEFAULT_REGION is ru: set DEFAULT_REGION=eu",
    );
    await expect(
      preflightDatabases({ regionDatabaseUrls: { eu, ru }, defaultRegion: 'eu', databaseUrlVariable: 'REGION_DATABASE_URLS' }),
    ).resolves.toBeUndefined();
    // Nothing was created in ru by the refused attempts.
    const c = new Client({ connectionString: ru });
    await c.connect();
    const { rows } = await c.query(`select to_regclass('directory.tenants') as t`);
    await c.end();
    expect(rows[0].t).toBeNull();
  });

  it('names WEBHOOKS_ALLOW_LOCAL_TARGETS when a local target is refused, and META_APP_SECRET when Meta webhooks are', async () => {
    const t = await TestApp.start();
    try {
      const owner = await t.signup();
      for (const url of ['http://localhost:9000/hook', 'https://10.0.0.7/hook', 'https://intranet/hook']) {
        const res = await t.request('POST', '/api/webhook-subscriptions', {
          token: owner.token,
          body: { url, events: ['message.created'], purpose: 'service_delivery' },
        });
        expect(res.status).toBe(400);
        expect(res.body.message).toContain('WEBHOOKS_ALLOW_LOCAL_TARGETS=on');
      }
      const meta = await t.request('POST', '/webhooks/meta', { body: { object: 'page', entry: [] }, headers: { 'x-hub-signature-256': 'sha256=00' } });
      expect(meta.status).toBe(403);
      expect(meta.body.message).toMatch(/^META_APP_SECRET is not set on this server/);
      expect(loadConfig(await testEnv()).meta.appSecret).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
