import { randomBytes } from 'node:crypto';
import { KeyRing } from '../../libs/crypto/src';
import { migrateRegionDatabase } from '../../src/database/migrate';
import { precompileContract } from './api-contract';
import { createTestDatabases } from './test-databases';

/**
 * Runs once per `jest` run: one migrated database per region, used as templates. Each test file
 * clones its own pair from them (test-app.ts), so suites never drain each other's queues. The API
 * contract's validators are compiled here too, once per version of openapi.json (api-contract.ts).
 */
export default async function globalSetup(): Promise<void> {
  precompileContract();
  const dbs = await createTestDatabases();
  (globalThis as { __MM_TEST_DBS__?: unknown }).__MM_TEST_DBS__ = dbs;
  const jwtSecret = randomBytes(32).toString('base64url');
  // Roles are cluster-wide: a role of this run's own keeps concurrent runs on one server (CI, other
  // checkouts) from resetting each other's password. Dropped with the databases at the end.
  const appRole = { name: `${dbs.run}_app`, password: randomBytes(18).toString('base64url') };
  for (const [region, url] of Object.entries(dbs.urls)) {
    await migrateRegionDatabase(url, { hostsDirectory: region === 'eu', appRole });
  }
  process.env.MM_TEST_SERVER_URL = dbs.serverUrl;
  process.env.MM_TEST_TEMPLATES = Object.entries(dbs.urls)
    .map(([r, u]) => `${r}=${new URL(u).pathname.slice(1)}`)
    .join(',');
  process.env.MM_TEST_RUN = dbs.run;
  process.env.MM_TEST_JWT_SECRET = jwtSecret;
  process.env.MM_TEST_APP_ROLE = appRole.name;
  process.env.MM_TEST_APP_PASSWORD = appRole.password;
  process.env.MM_TEST_MASTER_KEYS = KeyRing.generateKey('test1');
}
