import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { currentRequestContext } from './request-context';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type AppLogLevel = (typeof LOG_LEVELS)[number];

/** Nest's start-up chatter: one line per module, controller and route. Shown from `debug` on. */
const STARTUP_NOISE = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The app's console logger: `LOG_LEVEL` and everything more severe (default `log`), without the
 * route-mapping noise unless `debug`. Errors that stop the start are printed once by main.ts, so
 * Nest's own copy of them (context `ExceptionHandler`) is left out.
 *
 * `LOG_FORMAT=json` (production, log shippers): one JSON object per line, and a line written while
 * serving a request carries its `requestId` and, once signed in, its `tenantId`. Messages name ids,
 * never content or credentials (the code's rule for every log call).
 */
export class AppLogger extends ConsoleLogger {
  private readonly chatty: boolean;

  constructor(level: AppLogLevel = 'log', format: LogFormat = 'text') {
    super({ logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[], json: format === 'json' });
    this.chatty = LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf('debug');
  }

  protected override getJsonLogObject(
    message: unknown,
    options: Parameters<ConsoleLogger['getJsonLogObject']>[1],
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const line = super.getJsonLogObject(message, options);
    const request = currentRequestContext();
    if (request) {
      line.requestId = request.requestId;
      if (request.tenantId) line.tenantId = request.tenantId;
    }
    return line;
  }

  override log(message: unknown, ...rest: unknown[]): void {
    if (!this.chatty && STARTUP_NOISE.has(String(rest[rest.length - 1]))) return;
    super.log(message, ...rest);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    if (rest[rest.length - 1] === 'ExceptionHandler') return;
    super.error(message, ...rest);
  }
}
