import type { Attachment, InboundMessage } from './conversation';

/** Delivery progress of what we sent, as platforms report it. */
export type ReceiptStatus = 'sent' | 'delivered' | 'read' | 'failed';

/**
 * What one platform webhook item means for the inbox, after the channel's mapper read it.
 * Channel id and tenant are known from routing; mappers fill in the rest.
 */
/** A new message as a mapper reports it (channel and kind come from routing). */
export type InboundMessageEvent = Omit<InboundMessage, 'channelId' | 'channelKind'> & { replyToExternalId?: string | null };

export type InboundEvent =
  | { type: 'message'; message: InboundMessageEvent }
  /** A message the business sent from the platform's own inbox (not through us). */
  | { type: 'echo'; externalContactId: string; externalMessageId: string; text: string | null; attachments: Attachment[]; sentAt: Date }
  /** `ifUnknown: 'ignore'`: a receipt that may name messages never ours (an e-mail bounce names several ids) is not waited for. */
  | { type: 'receipt'; externalMessageId: string; status: ReceiptStatus; at: Date; error?: { code: string; text: string }; ifUnknown?: 'ignore' }
  /** Everything sent to this End User up to `watermark` has reached `status`. */
  | { type: 'watermark'; externalContactId: string; status: 'delivered' | 'read'; watermark: Date }
  | { type: 'reaction'; externalMessageId: string; externalContactId: string; action: 'react' | 'unreact'; emoji: string | null }
  /**
   * The End User (or, from the platform's own app, the business) deleted the message: its content
   * must be erased. A deletion may overtake its message, so an unknown one is retried, unless
   * `ifUnknown` says to let it go (a message that was never ours to see).
   */
  | { type: 'deleted'; externalMessageId: string; ifUnknown?: 'ignore' }
  /**
   * The message was edited: its content is replaced, earlier versions are kept as its history.
   * `ifUnknown`: what to do when the message was never seen (retried by default): `ignore`, or
   * store the edited version as a new message (`message`), since the platform will not send the original.
   */
  | {
      type: 'edited';
      externalMessageId: string;
      text: string | null;
      attachments: Attachment[];
      editedAt: Date;
      ifUnknown?: 'ignore' | { message: InboundMessageEvent };
    }
  /** The End User blocked (or unblocked) the business's account on the platform (Telegram). */
  | { type: 'blocked'; externalContactId: string; blocked: boolean; at: Date }
  /**
   * The End User changed a consent on the platform (WhatsApp marketing opt-in/out): recorded for
   * them, creating the contact when they never wrote.
   */
  | { type: 'consent'; externalContactId: string; contactName?: string | null; purpose: 'whatsapp_marketing'; granted: boolean; source: string; at: Date }
  /**
   * The platform tells the business something about the account itself (a restriction, a ban, an
   * error not tied to one message): the Customer's admins are notified. `message` never quotes an End User.
   */
  | { type: 'notice'; kind: string; message: string }
  /** The End User's platform id changed (a WhatsApp number change): their identity moves to the new id, with its contact and conversations. */
  | { type: 'identity_moved'; externalContactId: string; newExternalContactId: string }
  | { type: 'ignored'; reason: string };
