const DAY = 24 * 3600_000;

/**
 * Platform data of a disconnected channel is purged after a grace period: 30 days unless the
 * kind's platform asks for another one (its adapter's `purgeDaysAfterDisconnect`: WhatsApp's
 * terms say 90) or the tenant's retention settings say sooner.
 */
export const DEFAULT_PURGE_DAYS_AFTER_DISCONNECT = 30;

export function purgeAfterDisconnect(disconnectedAt: Date, days: number = DEFAULT_PURGE_DAYS_AFTER_DISCONNECT): Date {
  return new Date(disconnectedAt.getTime() + days * DAY);
}
