import type { ChannelKind } from '../../domain/src';

const DAY = 24 * 3600_000;

/**
 * Platform data of a disconnected channel is purged after a grace period: Meta requires 30 days
 * for Messenger/Instagram and WhatsApp's terms 90 days. Other channels follow the same 30 days
 * unless the tenant's retention settings say sooner.
 */
export const PURGE_DAYS_AFTER_DISCONNECT: Record<ChannelKind, number> = {
  messenger: 30,
  instagram: 30,
  whatsapp: 90,
  telegram: 30,
  email: 30,
  webchat: 30,
  sms: 30,
};

export function purgeAfterDisconnect(kind: ChannelKind, disconnectedAt: Date): Date {
  return new Date(disconnectedAt.getTime() + PURGE_DAYS_AFTER_DISCONNECT[kind] * DAY);
}
