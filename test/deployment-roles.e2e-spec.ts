import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { type AppConfig, loadConfig } from '../src/config/app-config';
import { appRoleUrl } from '../src/database/migrate';
import { databaseUrl } from './support/test-databases';

jest.setTimeout(120_000);

/**
 * Two deployments on one PostgreSQL server: each gets an app role named after its own database,
 * and neither ever resets the other's password. A deployment told to use another's role is
 * refused at start, naming DATABASE_APP_ROLE, and the other keeps working.
 */
describe('one database role per deployment', () => {
  const server = process.env.MM_TEST_SERVER_URL!;
  const run = process.env.MM_TEST_RUN!;
  const names = ['depa', 'depb', 'depc'].map((n) => `${run}_${n}`);
  const apps: NestFastifyApplication[] = [];
  let admin: Client;

  const configFor = (db: string, extra: Record<string, string> = {}): AppConfig =>
    loadConfig({
      DATABASE_URL: databaseUrl(server, db),
      JWT_SECRET: randomBytes(32).toString('hex'),
      MM_MASTER_KEYS: process.env.MM_TEST_MASTER_KEYS!,
      WORKERS: 'off',
      SMTP_PORT: '0',
      ...extra,
    });
  const start = async (config: AppConfig) => {
    const app = await createApp(config, { logger: false });
    apps.push(app);
    return app;
  };
  const signup = (app: NestFastifyApplication, email: string) =>
    app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ organizationName: 'Two Co', email, password: 'a long enough password' }),
    });
  const canLogIn = async (config: AppConfig) => {
    const c = new Client({
      connectionString: appRoleUrl(config.regionDatabaseUrls.eu, { name: config.appDatabaseRole, password: config.appDatabasePassword }),
    });
    await c.connect();
    await c.end();
  };

  beforeAll(async () => {
    admin = new Client({ connectionString: server });
    await admin.connect();
    for (const n of names) await admin.query(`create database ${n}`);
  });
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    for (const n of names) await admin.query(`drop database if exists ${n} with (force)`);
    for (const n of names) await admin.query(`drop role if exists ${n}_app`);
    await admin.end();
  });

  it('keeps both deployments working, each with a role of its own', async () => {
    const a = configFor(names[0]);
    const b = configFor(names[1]);
    expect(a.appDatabaseRole).toBe(`${names[0]}_app`);
    expect(b.appDatabaseRole).toBe(`${names[1]}_app`);

    const appA = await start(a);
    const appB = await start(b);
    expect((await signup(appA, 'a@two.test')).statusCode).toBe(201);
    expect((await signup(appB, 'b@two.test')).statusCode).toBe(201);

    // A restarts (migrations and role upkeep run again): B's role and password are untouched.
    await appA.close();
    await start(a);
    await canLogIn(b);
    expect((await signup(appB, 'b2@two.test')).statusCode).toBe(201);

    // A third deployment pointed at A's role is refused before touching it.
    const c = configFor(names[2], { DATABASE_APP_ROLE: a.appDatabaseRole });
    await expect(createApp(c, { logger: false })).rejects.toThrow(
      new RegExp(`DATABASE_APP_ROLE: role "${a.appDatabaseRole}" belongs to another MonkeyMachine deployment on this server`),
    );
    await canLogIn(a);
    const { rows } = await admin.query(`select 1 from pg_roles where rolname = $1`, [`${names[2]}_app`]);
    expect(rows).toHaveLength(0);
  });
});
