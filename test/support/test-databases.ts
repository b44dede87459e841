import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export const TEST_REGIONS = ['eu', 'ru'] as const;

export interface TestDatabases {
  /** region -> owner URL of that region's fresh database */
  urls: Record<string, string>;
  dispose(): Promise<void>;
}

/**
 * Two fresh databases (regions eu and ru) on DATABASE_URL's server when it is set (CI), else on
 * an embedded PostgreSQL in a temporary directory. Dropped again at the end of the run.
 */
export async function createTestDatabases(): Promise<TestDatabases> {
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let tempDir: string | undefined;
  if (!serverUrl) {
    tempDir = mkdtempSync(join(tmpdir(), 'mm-test-pg-'));
    chmodSync(tempDir, 0o755); // the server runs as user postgres when we are root
    const embedded = await startEmbeddedPostgres(join(tempDir, 'db'));
    serverUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const run = `mm_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  const urls: Record<string, string> = {};
  try {
    for (const region of TEST_REGIONS) {
      const name = `${run}_${region}`;
      await admin.query(`create database ${name}`);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      urls[region] = url.toString();
    }
  } finally {
    await admin.end();
  }
  return {
    urls,
    async dispose() {
      if (stopEmbedded) {
        await stopEmbedded();
        rmSync(tempDir!, { recursive: true, force: true });
        return;
      }
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      try {
        for (const region of TEST_REGIONS) await c.query(`drop database if exists ${run}_${region} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
