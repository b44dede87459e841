import { createServer } from 'node:net';
import { type AppConfig, InvalidConfigError } from './config/app-config';

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
  if (!config.meta.appSecret) {
    warnings.push(
      'META_APP_SECRET is not set: Messenger, Instagram and WhatsApp webhooks (and Meta data deletion callbacks) are refused until it is (Meta App Dashboard > App settings > Basic > App secret)',
    );
  }
  return warnings;
}
