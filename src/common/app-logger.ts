import { ConsoleLogger, type LogLevel } from '@nestjs/common';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type AppLogLevel = (typeof LOG_LEVELS)[number];

/** Nest's start-up chatter: one line per module, controller and route. Shown from `debug` on. */
const STARTUP_NOISE = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/**
 * The app's console logger: `LOG_LEVEL` and everything more severe (default `log`), without the
 * route-mapping noise unless `debug`. Errors that stop the start are printed once by main.ts, so
 * Nest's own copy of them (context `ExceptionHandler`) is left out.
 */
export class AppLogger extends ConsoleLogger {
  private readonly chatty: boolean;

  constructor(level: AppLogLevel = 'log') {
    super({ logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[] });
    this.chatty = LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf('debug');
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
