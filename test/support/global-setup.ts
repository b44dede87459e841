import { randomBytes } from 'node:crypto';
import { migrateRegionDatabase } from '../../src/database/migrate';
import { createTestDatabases } from './test-databases';

/** Runs once per `jest` run: databases for both regions, migrated, shared by every suite. */
export default async function globalSetup(): Promise<void> {
  const dbs = await createTestDatabases();
  (globalThis as { __MM_TEST_DBS__?: unknown }).__MM_TEST_DBS__ = dbs;
  const jwtSecret = randomBytes(32).toString('base64url');
  const appRole = { name: 'mm_app', password: randomBytes(18).toString('base64url') };
  for (const [region, url] of Object.entries(dbs.urls)) {
    await migrateRegionDatabase(url, { hostsDirectory: region === 'eu', appRole });
  }
  process.env.MM_TEST_REGION_DATABASE_URLS = Object.entries(dbs.urls).map(([r, u]) => `${r}=${u}`).join(',');
  process.env.MM_TEST_JWT_SECRET = jwtSecret;
  process.env.MM_TEST_APP_PASSWORD = appRole.password;
}
