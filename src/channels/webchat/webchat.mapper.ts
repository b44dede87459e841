import type { Attachment, InboundEvent } from '../../../libs/domain/src';

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
  /** Empty when the visitor sent only files. */
  text: string;
  /** Files the visitor uploaded under this session (checked when the message was accepted). */
  attachments?: Array<Pick<Attachment, 'type' | 'uploadId' | 'name' | 'mimeType' | 'size' | 'sha256'>>;
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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KINDS = ['image', 'video', 'audio', 'file'];
export const MAX_VISITOR_ATTACHMENTS = 10;

/** The visitor's files of a stored payload; any entry not as we wrote it is left out. */
function attachmentsOf(v: unknown): Attachment[] {
  if (!Array.isArray(v)) return [];
  return v.slice(0, MAX_VISITOR_ATTACHMENTS).flatMap((a): Attachment[] => {
    if (!a || typeof a !== 'object') return [];
    const { type, uploadId, name, mimeType, size, sha256 } = a as Record<string, unknown>;
    if (typeof type !== 'string' || !KINDS.includes(type) || typeof uploadId !== 'string' || !UUID.test(uploadId)) return [];
    return [
      {
        type,
        uploadId,
        ...(typeof name === 'string' ? { name } : {}),
        ...(typeof mimeType === 'string' ? { mimeType } : {}),
        ...(typeof size === 'number' ? { size } : {}),
        ...(typeof sha256 === 'string' ? { sha256 } : {}),
      } as Attachment,
    ];
  });
}

/** Reads a stored visitor message defensively: every field is checked before use. */
export function mapWebchatPayload(payload: { [K in keyof WebchatInboundPayload]?: unknown }): InboundEvent[] {
  const sessionId = str(payload.sessionId);
  const visitorId = str(payload.visitorId);
  const clientMessageId = str(payload.clientMessageId);
  const text = str(payload.text);
  const attachments = attachmentsOf(payload.attachments);
  const receivedAt = str(payload.receivedAt);
  const sentAt = receivedAt ? new Date(receivedAt) : null;
  if (
    payload.type !== 'message' ||
    !sessionId ||
    !visitorId ||
    !clientMessageId ||
    (!text && !attachments.length) ||
    !sentAt ||
    Number.isNaN(sentAt.getTime())
  ) {
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
        ...(attachments.length ? { attachments } : {}),
        sentAt,
      },
    },
  ];
}
