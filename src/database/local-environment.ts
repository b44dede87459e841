import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyRing } from '../../libs/crypto/src';
import { startEmbeddedPostgres } from './embedded-postgres';
import { InvalidConfigError } from '../config/app-config';

const log = new Logger('LocalEnvironment');

/** The embedded PostgreSQL a local run started: stopped on a signal until the app takes that over (`handOver`). */
export interface LocalDatabase {
  /** The caller now stops the database itself (after the app closed): returns how. */
  handOver(): () => Promise<void>;
}

/**
 * Local development needs no setup: without a database URL we run a real PostgreSQL under
 * DATA_DIR and keep a generated JWT secret beside it, reused across restarts.
 */
export async function prepareLocalEnvironment(env: NodeJS.ProcessEnv): Promise<LocalDatabase | undefined> {
  if (env.DATABASE_URL || env.REGION_DATABASE_URLS) return undefined;
  // A production deployment without a database setting is a mistake, not a wish for a private
  // throw-away database (and freshly generated secrets) inside a container.
  if (env.NODE_ENV === 'production' && env.MM_EMBEDDED_DATABASE !== 'on') {
    throw new InvalidConfigError(
      'Invalid configuration:\n  - DATABASE_URL: required when NODE_ENV=production (or set MM_EMBEDDED_DATABASE=on to run the embedded PostgreSQL deliberately)',
    );
  }
  const dataDir = env.DATA_DIR ?? './data';
  mkdirSync(dataDir, { recursive: true });
  const secretsFile = join(dataDir, 'local-secrets.json');
  const secrets: { jwtSecret?: string; masterKeys?: string } = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  const generated: string[] = [];
  if (!secrets.jwtSecret) {
    generated.push('a JWT secret (JWT_SECRET)');
    secrets.jwtSecret = randomBytes(48).toString('base64url');
  }
  if (!secrets.masterKeys) {
    generated.push('a master key (MM_MASTER_KEYS)');
    secrets.masterKeys = KeyRing.generateKey('local1');
  }
  if (generated.length) {
    writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    log.log(`generated ${generated.join(' and ')} into ${secretsFile}; set them in the environment in production`);
  }
  env.JWT_SECRET ??= secrets.jwtSecret;
  env.MM_MASTER_KEYS ??= secrets.masterKeys;
  const started = Date.now();
  const db = await startEmbeddedPostgres(join(dataDir, 'db'));
  env.DATABASE_URL = db.url;
  log.log(`embedded PostgreSQL ready in ${Date.now() - started} ms (data in ${join(dataDir, 'db')})`);
  const stop = () => void db.stop().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    handOver: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      return () => db.stop();
    },
  };
}

interface LocalSecrets {
  jwtSecret?: string;
  masterKeys?: string;
}

const secretsFileOf = (dataDir: string) => join(dataDir, 'local-secrets.json');
const readSecrets = (dataDir: string): LocalSecrets => (existsSync(secretsFileOf(dataDir)) ? JSON.parse(readFileSync(secretsFileOf(dataDir), 'utf8')) : {});

/**
 * Embedded mode's `secrets:rotate`: appends a fresh master key (`local<n>`) to the ring in
 * DATA_DIR/local-secrets.json, written before anything is sealed under it, and answers the new ring.
 */
export function addLocalMasterKey(dataDir: string): { ring: string; kid: string } {
  const secrets = readSecrets(dataDir);
  const ring = KeyRing.parse(secrets.masterKeys);
  let n = ring.kids.length + 1;
  while (ring.has(`local${n}`)) n++;
  const kid = `local${n}`;
  secrets.masterKeys = `${secrets.masterKeys},${KeyRing.generateKey(kid)}`;
  writeFileSync(secretsFileOf(dataDir), JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return { ring: secrets.masterKeys, kid };
}

/** Once every secret is under the newest key, the older ones open nothing: drop them from the file. */
export function keepOnlyNewestLocalMasterKey(dataDir: string): void {
  const secrets = readSecrets(dataDir);
  const entries = (secrets.masterKeys ?? '').split(',');
  if (entries.length < 2) return;
  secrets.masterKeys = entries[entries.length - 1];
  writeFileSync(secretsFileOf(dataDir), JSON.stringify(secrets, null, 2), { mode: 0o600 });
}
