import type { Attachment, ChannelKind } from './conversation';

/** An uploaded file a delivery sends (an attachment with `uploadId`): its bytes come from the media store when the gateway reads them. */
export interface OutboundFile {
  uploadId: string;
  fileName: string;
  /** Sniffed from the bytes when uploaded. */
  mimeType: string;
  size: number;
  /** The bytes from the first, each time it is called (a retry reads them again). */
  open(): AsyncIterable<Uint8Array>;
  /** A signed link of ours to the bytes, valid for a while, for platforms that fetch media themselves (Twilio MMS, Instagram). */
  url: string;
}

/**
 * A short list the recipient answers by picking one (a WhatsApp list message: at most 10 rows, a
 * button label of at most 20 characters, row titles of 24, descriptions of 72). The message's
 * text still says how to answer by writing, and is all that channels without such lists send.
 */
export interface Choices {
  button: string;
  rows: Array<{ id: string; title: string; description?: string }>;
}

/** Everything a gateway needs to deliver one message; credentials are already decrypted. */
export interface OutboundDelivery {
  /** Our id of the message being delivered (a channel without platform ids, like web chat, uses it). */
  messageId?: string;
  channel: {
    id: string;
    kind: ChannelKind;
    config: Record<string, unknown>;
    credentials: Record<string, string>;
  };
  /** The End User's id on the platform. */
  recipientId: string;
  text?: string | null;
  attachments?: Attachment[];
  /** The uploaded files among the attachments, in their order. */
  files?: OutboundFile[];
  template?: { name: string; language: string; parameters: string[] };
  /** Offered as a pick list where the platform has one (see Choices). */
  choices?: Choices;
  /** The platform's id of the message this reply quotes: sent as the platform's own quoted reply. */
  replyToExternalId?: string;
  /** From the messaging-window policy: how Meta must be told this reply is allowed. */
  replyMode: 'standard' | 'response' | 'human_agent';
}

export interface DeliveryReceipt {
  externalId: string;
}

export type DeliveryFailureKind = 'retryable' | 'permanent' | 'revoked';

/**
 * Why a platform refused a message. `retryable` backs off (honouring retryAfterMs), `permanent`
 * marks the message failed with the platform's code, `revoked` also disables the channel.
 */
export class DeliveryFailure extends Error {
  constructor(
    readonly kind: DeliveryFailureKind,
    readonly platformCode: string,
    readonly platformText: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${kind}: ${platformCode} ${platformText}`);
    this.name = 'DeliveryFailure';
  }
}

/**
 * The platform said "too many requests" (HTTP 429, Graph 4/17/32/613/80007/130429, Twilio 20429):
 * retryable, and the whole channel waits (retryAfterMs when the platform gave one), not just this message.
 */
export class RateLimitedFailure extends DeliveryFailure {
  constructor(platformCode: string, platformText: string, retryAfterMs?: number) {
    super('retryable', platformCode, platformText, retryAfterMs);
    this.name = 'RateLimitedFailure';
  }
}

/** The End User blocked the business's account (Telegram 403): permanent, and the contact is marked as blocking it. */
export class RecipientBlockedFailure extends DeliveryFailure {
  constructor(platformCode: string, platformText: string) {
    super('permanent', platformCode, platformText);
    this.name = 'RecipientBlockedFailure';
  }
}

/** One adapter per platform. Adapters never log or return credentials. */
export abstract class ChannelGateway {
  abstract readonly kinds: readonly ChannelKind[];
  abstract send(delivery: OutboundDelivery): Promise<DeliveryReceipt>;
}
