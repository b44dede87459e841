import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { AppLogger, LOG_FORMATS, LOG_LEVELS } from './common/app-logger';
import { exitGracefullyOnSignals } from './common/graceful-shutdown';
import { InvalidConfigError, loadConfig, sandboxRefusal, sandboxRequested } from './config/app-config';
import { preflightDatabases } from './database/database-preflight';
import { prepareLocalEnvironment } from './database/local-environment';
import { assertPortFree, assertSealedKeysInRing, describeListenFailure, startupWarnings } from './startup';

const log = new Logger('Main');

async function main(): Promise<void> {
  const started = Date.now();
  if (existsSync('.env')) process.loadEnvFile('.env');
  Logger.overrideLogger(
    new AppLogger(LOG_LEVELS.find((l) => l === process.env.LOG_LEVEL) ?? 'log', LOG_FORMATS.find((f) => f === process.env.LOG_FORMAT) ?? 'text'),
  );
  // Refused before the embedded database starts: a sandbox must never run in production.
  const refusal = sandboxRefusal(process.env, process.argv);
  if (refusal) throw new InvalidConfigError(refusal);
  const localDatabase = await prepareLocalEnvironment(process.env);
  const sandbox = sandboxRequested(process.env) ? await (await import('./sandbox/sandbox-platforms')).prepareSandbox(process.env) : undefined;
  const config = loadConfig(process.env);
  for (const warning of startupWarnings(config)) log.warn(warning);
  // What a newcomer gets wrong first fails here, in one line naming the variable, before any work.
  await assertPortFree('PORT', config.host, config.port);
  if (config.smtp.port !== 0) await assertPortFree('SMTP_PORT', config.smtp.host, config.smtp.port);
  await preflightDatabases({ ...config, databaseUrlVariable: config.databaseUrlVariable ?? 'DATABASE_URL' });
  // Loaded only now: the whole application is a lot to load for a start that was going to be refused.
  const { createApp } = await import('./app.factory');
  const { SandboxSeed } = await import('./sandbox/sandbox-seed.service');
  const app = await createApp(config, { sandbox });
  try {
    await assertSealedKeysInRing(app);
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  try {
    await app.listen(config.port, config.host);
  } catch (err) {
    await app.close().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw e.code ? new InvalidConfigError(describeListenFailure('PORT', config.host, config.port, e)) : err;
  }
  // The embedded database (local runs) stops after the app closed, not under its feet.
  exitGracefullyOnSignals(app, config.shutdownGraceMs, log, localDatabase?.handOver());
  log.log(`MonkeyMachine is up in ${Date.now() - started} ms at ${config.publicBaseUrl}`);
  log.log(`API docs: ${config.publicBaseUrl}/docs`);
  if (sandbox) {
    for (const line of await app.get(SandboxSeed).seed()) log.log(line);
    return;
  }
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
