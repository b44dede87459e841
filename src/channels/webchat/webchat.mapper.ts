import type { InboundEvent } from '../../../libs/domain/src';

/**
 * What the visitor API stores in the durable inbox for one visitor message. Written by us, so
 * it is trusted in shape, but the mapper still reads it defensively (an old or hand-replayed row).
 */
export interface WebchatInboundPayload {
  type: 'message';
  sessionId: string;
  /** The contact identity's external id: `anon:<uuid>` or `user:<id>`. */
  visitorId: string;
  visitorName: string | null;
  clientMessageId: string;
  text: string;
  /** When our server accepted it (visitor clocks are not trusted). */
  receivedAt: string;
}

/** The message id within the channel: the client's id, scoped by the session that sent it. */
export const webchatMessageId = (sessionId: string, clientMessageId: string) => `${sessionId}/${clientMessageId}`;

/** The client's own id back from a stored inbound message id. */
export const clientMessageIdOf = (externalId: string | null): string | null => {
  if (!externalId) return null;
  const slash = externalId.indexOf('/');
  return slash < 0 ? null : externalId.slice(slash + 1);
};

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** Reads a stored visitor message defensively: every field is checked before use. */
export function mapWebchatPayload(payload: { [K in keyof WebchatInboundPayload]?: unknown }): InboundEvent[] {
  const sessionId = str(payload.sessionId);
  const visitorId = str(payload.visitorId);
  const clientMessageId = str(payload.clientMessageId);
  const text = str(payload.text);
  const receivedAt = str(payload.receivedAt);
  const sentAt = receivedAt ? new Date(receivedAt) : null;
  if (payload.type !== 'message' || !sessionId || !visitorId || !clientMessageId || !text || !sentAt || Number.isNaN(sentAt.getTime())) {
    return [{ type: 'ignored', reason: 'not a web chat visitor message' }];
  }
  return [
    {
      type: 'message',
      message: {
        externalContactId: visitorId,
        contactName: str(payload.visitorName),
        externalMessageId: webchatMessageId(sessionId, clientMessageId),
        text,
        sentAt,
      },
    },
  ];
}
