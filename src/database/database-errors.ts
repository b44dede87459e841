import { DomainError } from '../../libs/domain/src';

// Connection-level failures: the platform or client should retry, nothing was acknowledged.
const DATABASE_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

interface DriverError {
  code?: string;
  message?: string;
  driverError?: { code?: string; message?: string };
}

/**
 * The SQLSTATE (or Node error code) of a failure, however the driver or TypeORM around it
 * reports it; for a domain error raised for one (the group commit's per-row errors), its cause's.
 */
export function sqlState(err: unknown): string | undefined {
  if (err instanceof DomainError) return err.cause === undefined ? undefined : sqlState(err.cause);
  const e = err as DriverError | undefined;
  return e?.code ?? e?.driverError?.code;
}

/** A lost or refused database connection, however the driver (or TypeORM around it) reports it. */
export function isDatabaseDown(err: unknown): boolean {
  const e = err as DriverError | undefined;
  const code = sqlState(err);
  if (code && DATABASE_DOWN.has(code)) return true;
  return /Connection terminated|connection timeout|Connection ended|ECONNREFUSED|ECONNRESET/i.test(`${e?.message ?? ''} ${e?.driverError?.message ?? ''}`);
}
