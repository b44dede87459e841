import type { INestApplication, LoggerService } from '@nestjs/common';

/**
 * SIGTERM (a rolling restart, `docker stop`) or SIGINT: close the app, then exit 0. Closing runs
 * the shutdown hooks in order: workers stop claiming and finish or hand back what they hold
 * (SHUTDOWN_GRACE_MS), SSE streams end with a reconnect hint, the HTTP server lets in-flight
 * requests answer, then the pools close. Nest's own signal hooks would re-raise the signal after
 * closing (exit status 143), which a supervisor reads as a crash. If closing hangs past
 * `graceMs` plus a margin, the process exits 1 anyway: leases expire and another instance takes over.
 */
export function exitGracefullyOnSignals(app: INestApplication, graceMs: number, log: LoggerService, afterClose?: () => Promise<void>): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    log.log(`${signal}: stopping (in-flight work gets up to ${graceMs} ms)`);
    setTimeout(() => {
      log.error(`did not stop within ${graceMs + 5000} ms: exiting anyway`);
      process.exit(1);
    }, graceMs + 5000).unref();
    app.close().then(
      async () => {
        await afterClose?.().catch((err: Error) => log.error(`stopping failed: ${err.message}`));
        log.log('stopped');
        process.exit(0);
      },
      (err: Error) => {
        log.error(`stopping failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}
