// Connection-level failures: the platform or client should retry, nothing was acknowledged.
const DATABASE_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

interface DriverError {
  code?: string;
  message?: string;
  driverError?: { code?: string; message?: string };
  cause?: unknown;
}

/**
 * The SQLSTATE (or Node error code) of a failure, however the driver or TypeORM around it
 * reports it, or the error it was raised for (its `cause`: the group commit's per-row errors).
 */
export function sqlState(err: unknown): string | undefined {
  const e = err as DriverError | undefined;
  const own = e?.code ?? e?.driverError?.code;
  if (own !== undefined || e?.cause === undefined) return own;
  const cause = e.cause as DriverError;
  return cause?.code ?? cause?.driverError?.code;
}

/** A lost or refused database connection, however the driver (or TypeORM around it) reports it. */
export function isDatabaseDown(err: unknown): boolean {
  const e = err as DriverError | undefined;
  const code = sqlState(err);
  if (code && DATABASE_DOWN.has(code)) return true;
  return /Connection terminated|connection timeout|Connection ended|ECONNREFUSED|ECONNRESET/i.test(`${e?.message ?? ''} ${e?.driverError?.message ?? ''}`);
}
