import type { Attachment, EchoMessage, InboundMessage, InboundResult, Message, RecordedInbound } from './conversation';
import type { ReceiptStatus } from './inbound-event';
import type { TenantRef } from './tenant';

/**
 * Persistence port of what platforms tell us (the inbound processor's side of the inbox): new
 * messages, echoes, receipts, reactions, edits, deletions and blocks. Every method takes the
 * tenant explicitly (the first wall; row-level security in the database is the second), each call
 * is one transaction, and every write is idempotent: a replayed event changes nothing.
 */
export abstract class InboundRecorder {
  /** Idempotent on (channel, external message id): a redelivery returns the stored message. */
  abstract recordInbound(tenant: TenantRef, inbound: InboundMessage): Promise<InboundResult>;
  /**
   * Many unthreaded inbound messages in one transaction, with the same outcome as recording them
   * one by one in order with `recordInbound`; the answer is in input order.
   */
  abstract recordInboundBatch(tenant: TenantRef, inbounds: readonly InboundMessage[]): Promise<RecordedInbound[]>;
  /** Stores a message sent from the platform's own inbox, unless it is one we sent. */
  abstract recordEcho(tenant: TenantRef, echo: EchoMessage): Promise<{ message: Message; created: boolean } | null>;
  /** Moves an outbound message's status forward only; null when no message has that id (yet). */
  abstract applyReceipt(
    tenant: TenantRef,
    channelId: string,
    externalMessageId: string,
    status: ReceiptStatus,
    error?: { code: string; text: string },
  ): Promise<Message | null>;
  /** Everything sent to the contact up to the watermark reached `status`. */
  abstract applyWatermark(tenant: TenantRef, channelId: string, externalContactId: string, status: 'delivered' | 'read', watermark: Date): Promise<Message[]>;
  abstract applyReaction(tenant: TenantRef, channelId: string, externalMessageId: string, emoji: string | null): Promise<Message | null>;
  /** The End User deleted the message on the platform: its content is erased, the row stays. */
  abstract eraseMessageContent(tenant: TenantRef, channelId: string, externalMessageId: string): Promise<Message | null>;
  /**
   * Its author edited a message on the platform: the newest version (by edit time) is its content, the
   * others are kept in its history; idempotent. Null when no such message is stored (yet).
   */
  abstract applyEdit(
    tenant: TenantRef,
    channelId: string,
    externalMessageId: string,
    edit: { text: string | null; attachments: Attachment[]; editedAt: Date },
  ): Promise<Message | null>;
  /**
   * Records a consent the End User gave or withdrew on the platform, for the contact behind the
   * identity (made when they never wrote); a change older than the one recorded is ignored.
   */
  abstract recordPlatformConsent(
    tenant: TenantRef,
    who: Pick<InboundMessage, 'channelId' | 'channelKind' | 'externalContactId' | 'contactName'>,
    consent: { purpose: 'whatsapp_marketing'; granted: boolean; source: string; at: Date },
  ): Promise<void>;
  /**
   * Moves the End User's identity on a channel to their new platform id (a changed phone number):
   * the same contact and conversations continue under it. False when there is no identity under
   * the old id, or one already exists under the new id (nothing is merged then).
   */
  abstract moveIdentity(tenant: TenantRef, channelId: string, fromExternalId: string, toExternalId: string): Promise<boolean>;
  /** Of these identities on the channel, those whose platform profile was never read, or read before `readBefore`. */
  abstract identitiesDueForProfile(tenant: TenantRef, channelId: string, externalContactIds: readonly string[], readBefore: Date): Promise<string[]>;
  /** The name the platform gives the End User (null: none) becomes the contact's, unless an agent named them. */
  abstract recordProfileName(tenant: TenantRef, channelId: string, externalContactId: string, name: string | null, at: Date): Promise<void>;
  /** Records that the End User blocked (or unblocked) the business's account; the latest change by time wins. False when no such identity exists. */
  abstract setIdentityBlocked(tenant: TenantRef, channelId: string, externalContactId: string, blocked: boolean, at: Date): Promise<boolean>;
}
