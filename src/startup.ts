import type { INestApplicationContext } from '@nestjs/common';
import { createServer } from 'node:net';
import { KeyRing } from '../libs/crypto/src';
import { channelCredentialKeyIds } from './channels/core/credential-rotation';
import { AppConfig, InvalidConfigError } from './config/app-config';
import { nodeSupportWarning } from './config/node-support';
import { RegionDatabases } from './database/region-databases';
import { IntegrationSecrets } from './integrations/core/integration-secrets.service';
import { SealedSubjects } from './privacy/sealed-subjects';

/**
 * Fails before anything starts when `port` cannot be listened on, naming the variable that
 * chose it and what to do (a taken port otherwise surfaces as EADDRINUSE after the migrations).
 */
export async function assertPortFree(variable: string, host: string, port: number): Promise<void> {
  const problem = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(err as NodeJS.ErrnoException));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
  if (problem) throw new InvalidConfigError(describeListenFailure(variable, host, port, problem));
}

export function describeListenFailure(variable: string, host: string, port: number, err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') {
    return `${variable}: port ${port} is taken on ${host} (another program, or another MonkeyMachine, listens there): stop it, or choose another port, e.g. ${variable}=${port + 1}`;
  }
  if (err.code === 'EACCES') return `${variable}: port ${port} needs privileges on this system: choose one above 1023, e.g. ${variable}=${port + 3000}`;
  if (err.code === 'EADDRNOTAVAIL')
    return `HOST: ${host} is not an address of this machine (${variable}=${port}): use 127.0.0.1, 0.0.0.0 or one of its own addresses`;
  return `${variable}: cannot listen on ${host}:${port}: ${err.message}`;
}

/** What an operator should hear about at every start (nothing is refused for these). */
export function startupWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  const node = nodeSupportWarning(process.version);
  if (node) warnings.push(node);
  if (!config.meta.appSecret) {
    warnings.push(
      'META_APP_SECRET is not set: Messenger, Instagram and WhatsApp webhooks (and Meta data deletion callbacks) are refused until it is (Meta App Dashboard > App settings > Basic > App secret)',
    );
  }
  return warnings;
}

/**
 * Every stored secret must open with the configured key ring. A secret sealed under a key the ring
 * lacks (rotated by an instance with a newer ring, or a key removed too early) would make every
 * send or delivery that needs it fail later, one by one: refuse to start instead, saying which key.
 */
export async function assertSealedKeysInRing(app: INestApplicationContext): Promise<void> {
  const ring = KeyRing.parse(app.get(AppConfig).masterKeys);
  const used = new Set([
    ...(await channelCredentialKeyIds(app.get(RegionDatabases))),
    ...(await app.get(IntegrationSecrets).keyIds()),
    ...(await app.get(SealedSubjects).keyIds()),
  ]);
  const missing = [...used].filter((kid) => !ring.has(kid)).sort();
  if (missing.length === 0) return;
  const names = missing.map((kid) => `"${kid}"`).join(', ');
  throw new InvalidConfigError(
    `MM_MASTER_KEYS: stored secrets are sealed under master key${missing.length > 1 ? 's' : ''} ${names}, which ${missing.length > 1 ? 'are' : 'is'} not in the key ring (${ring.kids.join(', ')}): ` +
      'give this instance the same MM_MASTER_KEYS as the one that ran `npm run secrets:rotate` (every instance needs every key a secret is sealed under; remove an old key only after the rotation finished). ' +
      'Embedded mode keeps its keys in DATA_DIR/local-secrets.json.',
  );
}
