import { Logger } from '@nestjs/common';
import { SingleBar } from 'cli-progress';
import { existsSync } from 'node:fs';
import { KeyRing, SecretBox } from '../../libs/crypto/src';
import { createApp } from '../app.factory';
import { rotateChannelCredentials } from '../channels/core/credential-rotation';
import { InvalidConfigError, loadConfig } from '../config/app-config';
import { addLocalMasterKey, keepOnlyNewestLocalMasterKey, prepareLocalEnvironment } from '../database/local-environment';
import { RegionDatabases } from '../database/region-databases';
import { IntegrationSecrets } from '../integrations/core/integration-secrets.service';
import { SealedSubjects } from '../privacy/sealed-subjects';

/**
 * `npm run secrets:rotate`: after adding a new key at the end of MM_MASTER_KEYS, re-encrypts every
 * stored credential under it. Afterwards the old key can be removed from the list.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  // Embedded mode with the keys in DATA_DIR/local-secrets.json: this command makes the new key itself.
  const localKeys = !process.env.DATABASE_URL && !process.env.REGION_DATABASE_URLS && !process.env.MM_MASTER_KEYS;
  const dataDir = process.env.DATA_DIR ?? './data';
  // Refused while the app runs on the embedded database (it holds the cluster): stop it first.
  await prepareLocalEnvironment(process.env);
  if (localKeys) {
    const added = addLocalMasterKey(dataDir);
    process.env.MM_MASTER_KEYS = added.ring;
    process.stdout.write(`Added master key "${added.kid}" to ${dataDir}/local-secrets.json.\n`);
  }
  // The app's own wiring (built, never listening), not a server: no workers, no SMTP listener.
  const config = loadConfig({ ...process.env, WORKERS: 'off', SMTP_PORT: '0' });
  const ring = KeyRing.parse(config.masterKeys);
  Logger.overrideLogger(['error']);
  const app = await createApp(config, { logger: false });
  const bar = new SingleBar({ format: 'Re-encrypting credentials [{bar}] {value}/{total} ({rewrapped} re-encrypted)', hideCursor: true });
  let started = false;
  try {
    const result = await rotateChannelCredentials(app.get(RegionDatabases), new SecretBox(ring), (p) => {
      if (!started) {
        bar.start(p.total, 0, { rewrapped: 0 });
        started = true;
      }
      bar.update(p.done, { rewrapped: p.rewrapped });
    });
    bar.stop();
    process.stdout.write(`Done: ${result.rewrapped} of ${result.total} credentials now under key "${ring.newest}".\n`);
    const secrets = await app.get(IntegrationSecrets).rotate(new SecretBox(ring));
    process.stdout.write(`Done: ${secrets.rewrapped} of ${secrets.total} webhook signing secrets now under key "${ring.newest}".\n`);
    const subjects = await app.get(SealedSubjects).rotate(new SecretBox(ring));
    process.stdout.write(`Done: ${subjects.rewrapped} of ${subjects.total} ids of unfinished Meta deletion requests now under key "${ring.newest}".\n`);
    if (localKeys) {
      keepOnlyNewestLocalMasterKey(dataDir);
      process.stdout.write(`Older master keys removed from ${dataDir}/local-secrets.json: nothing is sealed under them any more.\n`);
    }
  } finally {
    await app.close();
  }
  process.exit(0); // also stops the embedded PostgreSQL, if this run started one
}

main().catch((err) => {
  process.stderr.write(`${err instanceof InvalidConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
