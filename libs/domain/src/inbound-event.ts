import type { Attachment, InboundMessage } from './conversation';

/** Delivery progress of what we sent, as platforms report it. */
export type ReceiptStatus = 'sent' | 'delivered' | 'read' | 'failed';

/**
 * What one platform webhook item means for the inbox, after the channel's mapper read it.
 * Channel id and tenant are known from routing; mappers fill in the rest.
 */
export type InboundEvent =
  | { type: 'message'; message: Omit<InboundMessage, 'channelId' | 'channelKind'> & { replyToExternalId?: string | null } }
  /** A message the business sent from the platform's own inbox (not through us). */
  | { type: 'echo'; externalContactId: string; externalMessageId: string; text: string | null; attachments: Attachment[]; sentAt: Date }
  | { type: 'receipt'; externalMessageId: string; status: ReceiptStatus; at: Date; error?: { code: string; text: string } }
  /** Everything sent to this End User up to `watermark` has reached `status`. */
  | { type: 'watermark'; externalContactId: string; status: 'delivered' | 'read'; watermark: Date }
  | { type: 'reaction'; externalMessageId: string; externalContactId: string; action: 'react' | 'unreact'; emoji: string | null }
  /** The End User deleted the message: its content must be erased. */
  | { type: 'deleted'; externalMessageId: string }
  /** The End User edited the message: its content is replaced, earlier versions are kept as its history. */
  | { type: 'edited'; externalMessageId: string; text: string | null; attachments: Attachment[]; editedAt: Date }
  /** The End User blocked (or unblocked) the business's account on the platform (Telegram). */
  | { type: 'blocked'; externalContactId: string; blocked: boolean; at: Date }
  | { type: 'ignored'; reason: string };
