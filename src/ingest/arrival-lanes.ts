import type { InboundEvent } from '../../libs/domain/src';

/**
 * What an inbound item is about, as far as the order of applying it matters: the End User it
 * comes from or concerns (their messages, echoes, read marks, consents, blocks), or the one message
 * it changes (edits, deletions, reactions, receipts). Null for what concerns nothing in particular.
 */
export function subjectOf(e: InboundEvent): string | null {
  switch (e.type) {
    case 'message':
      return `contact:${e.message.externalContactId}`;
    case 'echo':
    case 'watermark':
    case 'blocked':
    case 'consent':
    case 'identity_moved':
      return `contact:${e.externalContactId}`;
    case 'receipt':
    case 'reaction':
    case 'deleted':
    case 'edited':
      return `message:${e.externalMessageId}`;
    case 'notice':
    case 'ignored':
      return null;
  }
}

/**
 * The lane a stored event is processed in: events of one channel about the same subject share a
 * lane and are applied one after another, in arrival order (two edits within the same second:
 * the one that came last stays; an e-mail and a reply to it: the reply finds its thread), while
 * other lanes run side by side. An event whose items name several subjects (rare) goes with its
 * first; one about nothing in particular, or that cannot be read, goes alone (`ref`).
 */
export function laneOf(ref: string, channelId: string | undefined, mapped: readonly InboundEvent[] | undefined): string {
  const subject = mapped?.map(subjectOf).find((s) => s !== null);
  return channelId && subject ? `${channelId}\0${subject}` : `alone\0${ref}`;
}
