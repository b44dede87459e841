import type { TenantRef } from '../../libs/domain/src';

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
