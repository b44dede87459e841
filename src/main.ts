import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createApp } from './app.factory';
import { InvalidConfigError, loadConfig } from './config/app-config';
import { prepareLocalEnvironment } from './database/local-environment';

const log = new Logger('Main');

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
