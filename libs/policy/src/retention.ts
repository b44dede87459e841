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
