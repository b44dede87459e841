import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyRing } from '../libs/crypto/src';
import { createApp } from './app.factory';
import { InvalidConfigError, loadConfig } from './config/app-config';
import { startEmbeddedPostgres } from './database/embedded-postgres';

const log = new Logger('Main');

/**
 * Local development needs no setup: without a database URL we run a real PostgreSQL under
 * DATA_DIR and keep a generated JWT secret beside it, reused across restarts.
 */
async function prepareLocalEnvironment(env: NodeJS.ProcessEnv): Promise<void> {
  if (env.DATABASE_URL || env.REGION_DATABASE_URLS) return;
  const dataDir = env.DATA_DIR ?? './data';
  mkdirSync(dataDir, { recursive: true });
  const secretsFile = join(dataDir, 'local-secrets.json');
  const secrets: { jwtSecret?: string; masterKeys?: string } = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  const generated: string[] = [];
  if (!secrets.jwtSecret) generated.push('a JWT secret (JWT_SECRET)'), (secrets.jwtSecret = randomBytes(48).toString('base64url'));
  if (!secrets.masterKeys) generated.push('a master key (MM_MASTER_KEYS)'), (secrets.masterKeys = KeyRing.generateKey('local1'));
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
}

async function main(): Promise<void> {
  const started = Date.now();
  if (existsSync('.env')) process.loadEnvFile('.env');
  await prepareLocalEnvironment(process.env);
  const config = loadConfig(process.env);
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  log.log(`MonkeyMachine is up in ${Date.now() - started} ms at ${config.publicBaseUrl}`);
  log.log(`API docs: ${config.publicBaseUrl}/docs`);
  log.log(`Get started: POST ${config.publicBaseUrl}/api/auth/signup {organizationName,email,password}, then send "Authorization: Bearer <accessToken>"`);
}

main().catch((err) => {
  if (err instanceof InvalidConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
  process.exit(1);
});
