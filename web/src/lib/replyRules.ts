import { containsCardNumber } from '../../../libs/policy/src/card-numbers';
import { replyMode } from '../../../libs/policy/src/messaging-window';
import type { ChannelKind } from '../api/types';

const HOUR = 3600_000;

/**
 * What the reply box allows for a conversation right now: the same rules the API applies
 * (libs/policy), shown before the agent types rather than as an error after they send.
 */
export interface ReplyRules {
  /** free: free-form text; template: only an approved WhatsApp template; closed: nothing can be sent. */
  mode: 'free' | 'template' | 'closed';
  /** Messenger/Instagram after 24 h: the reply goes with the HUMAN_AGENT tag. */
  humanAgent: boolean;
  /** When the free-form window closes (WhatsApp, Messenger, Instagram), if it is open. */
  windowEndsAt: Date | null;
}

export function replyRules(kind: ChannelKind | undefined, lastInboundAt: string | null, now: Date): ReplyRules {
  if (!kind) return { mode: 'free', humanAgent: false, windowEndsAt: null };
  const last = lastInboundAt ? new Date(lastInboundAt) : null;
  const mode = replyMode(kind, last, now);
  if (kind === 'whatsapp') {
    return mode.allowed
      ? { mode: 'free', humanAgent: false, windowEndsAt: new Date(last!.getTime() + 24 * HOUR) }
      : { mode: 'template', humanAgent: false, windowEndsAt: null };
  }
  if (kind === 'messenger' || kind === 'instagram') {
    if (!mode.allowed) return { mode: 'closed', humanAgent: false, windowEndsAt: null };
    const human = mode.mode === 'human_agent';
    return { mode: 'free', humanAgent: human, windowEndsAt: new Date(last!.getTime() + (human ? 7 * 24 : 24) * HOUR) };
  }
  return { mode: 'free', humanAgent: false, windowEndsAt: null };
}

/**
 * A full card number in a reply is refused before it is sent, on every channel: WhatsApp's
 * policy forbids it (the API refuses it there), and no channel is a safe place for one.
 */
export const hasCardNumber = (text: string): boolean => containsCardNumber(text);
