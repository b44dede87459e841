const DAY = 24 * 3600_000;

export interface RetentionSettings {
  /** Days messages are kept; null keeps them until deleted otherwise. */
  defaultDays: number | null;
  /** Per-channel overrides (channel id -> days). */
  channels: Record<string, number>;
}

/** The channel's retention: its override, else the tenant default. */
export function retentionDays(settings: RetentionSettings, channelId: string): number | null {
  return settings.channels[channelId] ?? settings.defaultDays;
}

/** Messages sent before this instant are past retention. */
export function retentionCutoff(days: number, now: Date): Date {
  return new Date(now.getTime() - days * DAY);
}

/**
 * Raw webhook payloads are only a delivery buffer: processed ones are kept this long after they
 * arrived (for replays and audits of the pipeline), then deleted whatever the message retention
 * says.
 */
export const PROCESSED_EVENT_DAYS = 7;

/** A CRM record deleted in the CRM is kept this long as a tombstone (an id, no personal data), then purged. */
export const CRM_TOMBSTONE_DAYS = 30;

/** The log of pushes to CRMs (ids and outcomes) is kept this long after each push ended. */
export const CRM_PUSH_LOG_DAYS = 30;

/**
 * Days an uploaded file nobody sent is kept (an agent attached it and gave up, or a put was cut
 * off midway): a file that never left is nobody's record, so it goes soon.
 */
export const UNSENT_UPLOAD_DAYS = 1;
