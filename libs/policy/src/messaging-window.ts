import type { ChannelKind } from '../../domain/src';

const HOUR = 3600_000;

/**
 * How a reply may be sent given the End User's last message. Meta allows free-form replies for
 * 24 hours; Messenger and Instagram allow a human agent's reply (HUMAN_AGENT tag) up to 7 days;
 * WhatsApp needs an approved template after 24 hours. Other channels have no window.
 */
export type ReplyMode =
  | { allowed: true; mode: 'standard' | 'response' | 'human_agent' }
  | { allowed: false; code: 'MESSAGING_WINDOW_CLOSED' | 'WHATSAPP_WINDOW_CLOSED'; reason: string };

/** Messenger and Instagram: free-form for 24 hours, a human agent's reply (HUMAN_AGENT tag) up to 7 days. */
export function metaMessagingWindow(lastInboundAt: Date | null, now: Date): ReplyMode {
  const age = ageOf(lastInboundAt, now);
  if (age <= 24 * HOUR) return { allowed: true, mode: 'response' };
  if (age <= 7 * 24 * HOUR) return { allowed: true, mode: 'human_agent' };
  return {
    allowed: false,
    code: 'MESSAGING_WINDOW_CLOSED',
    reason: 'The End User last wrote more than 7 days ago; Meta allows no further replies until they write again',
  };
}

/** WhatsApp: free-form for 24 hours, then only an approved template. */
export function whatsappWindow(lastInboundAt: Date | null, now: Date): ReplyMode {
  if (ageOf(lastInboundAt, now) <= 24 * HOUR) return { allowed: true, mode: 'standard' };
  return { allowed: false, code: 'WHATSAPP_WINDOW_CLOSED', reason: 'Outside the 24-hour customer service window only an approved template can be sent' };
}

const ageOf = (lastInboundAt: Date | null, now: Date) => (lastInboundAt ? now.getTime() - lastInboundAt.getTime() : Number.POSITIVE_INFINITY);

export function replyMode(kind: ChannelKind, lastInboundAt: Date | null, now: Date): ReplyMode {
  switch (kind) {
    case 'messenger':
    case 'instagram':
      return metaMessagingWindow(lastInboundAt, now);
    case 'whatsapp':
      return whatsappWindow(lastInboundAt, now);
    default:
      return { allowed: true, mode: 'standard' };
  }
}
