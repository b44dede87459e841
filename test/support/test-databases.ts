import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export const TEST_REGIONS = ['eu', 'ru'] as const;

/** Databases dropped at once at the end of a run (see dispose). */
const DROPS_AT_ONCE = 8;

export interface TestDatabases {
  /** region -> owner URL of that region's fresh database */
  urls: Record<string, string>;
  /** The server (its maintenance database) and the prefix of every database this run made. */
  serverUrl: string;
  run: string;
  dispose(): Promise<void>;
}

/** The URL of database `name` on the server behind `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
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
      urls[region] = databaseUrl(serverUrl, name);
    }
  } finally {
    await admin.end();
  }
  const server = serverUrl;
  return {
    urls,
    serverUrl: server,
    run,
    async dispose() {
      if (stopEmbedded) {
        await stopEmbedded();
        rmSync(tempDir!, { recursive: true, force: true });
        return;
      }
      const c = new Client({ connectionString: server });
      await c.connect();
      try {
        const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where starts_with(datname, $1)`, [`${run}_`]);
        // Two a test file, 200+ in a run. Each DROP DATABASE waits for a checkpoint, which also writes
        // what everyone else on the server dirtied: one after the other they took 0.7-1.6 s each on a
        // busy machine. Drops in flight together share a checkpoint.
        const names = rows.map((r) => r.datname);
        await Promise.all(
          Array.from({ length: Math.min(DROPS_AT_ONCE, names.length) }, async () => {
            const dropper = new Client({ connectionString: server });
            await dropper.connect();
            try {
              for (let name = names.shift(); name; name = names.shift()) await dropper.query(`drop database if exists "${name}" with (force)`);
            } finally {
              await dropper.end();
            }
          }),
        );
        await c.query(`drop role if exists "${run}_app"`);
      } finally {
        await c.end();
      }
    },
  };
}
