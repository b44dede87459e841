import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { KeyRing } from '../libs/crypto/src';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { TestDatabases, createTestDatabases } from '../test/support/test-databases';
import { note } from './load-loop';

export interface BenchAccount {
  accessToken: string;
  tenant: { id: string; region: string };
  user: { id: string };
}

/** The real app of a bench, in this process on fresh databases, listening on loopback. */
export interface BenchApp {
  app: NestFastifyApplication;
  dbs: TestDatabases;
  port: number;
  /** The app's database role and settings (a bench that queries as the app does needs them). */
  appRole: string;
  config: ReturnType<typeof loadConfig>;
  /** A new organization, signed up over HTTP as a Customer would. */
  signUp(): Promise<BenchAccount>;
  /** Closes the app and drops its databases and its role; problems are printed, not thrown. */
  close(): Promise<void>;
}

/**
 * Starts the app on fresh databases (DATABASE_URL's server, or an embedded PostgreSQL when
 * unset) with a role of its own, workers off; `env` adds or overrides settings.
 */
export async function startBenchApp(env: Record<string, string> = {}): Promise<BenchApp> {
  const appRole = `mm_bench_${randomBytes(4).toString('hex')}`;
  const dbs = await createTestDatabases();
  let app: NestFastifyApplication | undefined;
  let config: ReturnType<typeof loadConfig> | undefined;
  const close = async () => {
    await app?.close().catch((err: Error) => note(`app close: ${err.message}`));
    await dbs.dispose().catch((err: Error) => note(`dropping databases: ${err.message}`));
    if (!process.env.DATABASE_URL) return;
    const c = new Client({ connectionString: dbs.serverUrl });
    await c
      .connect()
      .then(() => c.query(`drop role if exists ${appRole}`))
      .catch((err: Error) => note(`dropping role ${appRole}: ${err.message}`))
      .finally(() => c.end().catch(() => undefined));
  };
  try {
    config = loadConfig({
      REGION_DATABASE_URLS: Object.entries(dbs.urls)
        .map(([r, u]) => `${r}=${u}`)
        .join(','),
      DEFAULT_REGION: 'eu',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      DATABASE_APP_ROLE: appRole,
      MM_MASTER_KEYS: KeyRing.generateKey('bench1'),
      WORKERS: 'off',
      SMTP_PORT: '0',
      ...env,
    });
    app = await createApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    await close();
    throw err;
  }
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const signUp = async (): Promise<BenchAccount> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationName: 'Bench Org', email: `bench-${randomUUID()}@example.test`, password: 'a long enough password' }),
    });
    if (res.status !== 201) throw new Error(`signup: ${res.status} ${await res.text()}`);
    return (await res.json()) as BenchAccount;
  };
  return { app, dbs, port, appRole, config: config!, signUp, close };
}
