import type { InboundMessage, InboundResult, TenantRef } from '../../libs/domain/src';

/**
 * Automatic assignment, as the inbox sees it: told when conversations arrive or reopen, and when
 * an agent may have become free. Both are called once the change committed and return at once;
 * the work happens in the background (and a periodic sweep catches whatever it missed).
 * Implemented by the assignment module, which builds on this one.
 */
export abstract class ConversationRouter {
  abstract arrived(tenant: TenantRef, conversationIds: string[]): void;
  abstract freed(tenant: TenantRef): void;
}

/**
 * Automatic replies (business hours): told, once committed, of conversations a person (not a
 * vacation responder) just wrote in. Implemented by the business-hours module.
 */
export abstract class AutoReplies {
  abstract arrived(tenant: TenantRef, conversationIds: string[]): void;
}

/**
 * Satisfaction surveys (CSAT), as the inbox sees them: told, once committed, of conversations a
 * person resolved (a survey may be asked), and handed a contact's bare rating (1-5) to record as
 * a survey's answer. Implemented by the csat module.
 */
export abstract class Satisfaction {
  abstract resolved(tenant: TenantRef, conversationIds: string[]): void;
  /**
   * When a survey of this contact on this channel waits for its rating: records `rating` as its
   * answer, and the message through `record` into the surveyed conversation, in one transaction;
   * answers what `record` did. Null when no survey waits (the message is an ordinary one).
   */
  abstract answerByReply(
    tenant: TenantRef,
    inbound: InboundMessage,
    rating: number,
    record: (conversationId: string) => Promise<InboundResult>,
  ): Promise<InboundResult | null>;
  /** The conversation's latest survey, for the agents who read it; null when none was asked. */
  abstract ofConversation(tenant: TenantRef, conversationId: string): Promise<SatisfactionView | null>;
}

/** A survey as agents see it on the conversation: asked when, rated how (null: no rating yet), by which way. */
export interface SatisfactionView {
  askedAt: Date;
  rating: number | null;
  answeredAt: Date | null;
  answeredVia: 'reply' | 'widget' | 'link' | null;
}
