import { createHash } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { type Attachment, type InboundEvent, isUuid } from '../../../libs/domain/src';
import { Bounce, isAutoReply, isListMail, readBounce } from './email-signals';
import { isMessageId, messageIdsOf, normalizeMessageId, rawMessageKey, splitAddress } from './email-threading';
import { htmlToPlainText } from './html-text';
import { stripQuotedHistory } from './quote-stripping';

/** Largest attachment kept; a larger one is listed in the message text but not stored. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** At most this many parts are kept per mail. */
export const MAX_PARTS = 50;
/** The message text shown in the inbox; the full text is kept as a part when longer. */
export const MAX_TEXT_CHARS = 64 * 1024;
export const FULL_TEXT_NAME = 'full-message.txt';

/** `ref` of an attachment whose bytes we keep (email_attachments), by its index in the mail. */
export const EMAIL_PART_REF = 'email-part:';
export const partRef = (idx: number) => `${EMAIL_PART_REF}${idx}`;
export function partIndexOf(ref: string | undefined): number | null {
  const m = /^email-part:(\d{1,4})$/.exec(ref ?? '');
  return m ? Number(m[1]) : null;
}

/** What the SMTP listener stores in the inbox for one accepted mail and one channel. */
export interface StoredEmail {
  /** The Message-ID (`<id@host>`), or `sha256:<hex>` of the raw mail when it has none. */
  emailMessageKey: string;
  /** Lower-cased sender address (From, else the envelope sender). */
  from: string;
  fromName: string | null;
  subject: string | null;
  /** The new text, quoted history stripped. */
  text: string | null;
  attachments: Attachment[];
  inReplyTo: string | null;
  /** References, oldest first. */
  references: string[];
  /** The conversation the reply+<token> recipient named, when there was one. */
  conversationId: string | null;
  receivedAt: string;
  /** Sent by a machine for the End User (a vacation responder). */
  autoReply?: boolean;
  /** Distributed by a mailing list: no automatic reply answers it. */
  listMail?: boolean;
  /** A delivery failure report: it marks what we sent as failed instead of becoming a message. */
  bounce?: Bounce;
}

/** The bytes of one kept part, stored by the listener next to the inbox event. */
export interface EmailPart {
  idx: number;
  name: string | null;
  mimeType: string;
  content: Buffer;
  sha256: string;
}

export interface ReadEmail {
  payload: StoredEmail;
  parts: EmailPart[];
}

const MIME = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,128}$/i;

function attachmentType(mimeType: string): Attachment['type'] {
  const top = mimeType.split('/')[0].toLowerCase();
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'file';
}

/** A file name fit to show and to offer for download: no path, no control characters. */
export function safeFileName(name: string | undefined | null): string | null {
  if (!name) return null;
  const base = name
    .split(/[\\/]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim();
  return base ? base.slice(0, 200) : null;
}

const megabytes = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Turns a parsed mail into what the inbox keeps: the sender, the subject, the new text (quoted
 * history stripped), the threading headers, and the parts to store: each attachment up to
 * MAX_ATTACHMENT_BYTES, plus the full text as `full-message.txt` when stripping or the text
 * limit shortened what the message shows. Null when the mail names no sender at all.
 */
export function readEmail(parsed: ParsedMail, raw: Buffer, envelopeFrom: string | null, receivedAt: Date): ReadEmail | null {
  const fromHeader = parsed.from?.value?.find((a) => a.address);
  const from = splitAddress(fromHeader?.address ?? envelopeFrom ?? '');
  const bounce = readBounce(parsed, envelopeFrom);
  if (bounce) {
    // Nothing of a bounce is kept but what it says about our message: it is no End User's mail.
    return {
      payload: {
        emailMessageKey: normalizeMessageId(parsed.messageId) ?? rawMessageKey(raw),
        from: from ? `${from.local}@${from.domain}` : '',
        fromName: null,
        subject: null,
        text: null,
        attachments: [],
        inReplyTo: null,
        references: [],
        conversationId: null,
        receivedAt: receivedAt.toISOString(),
        bounce,
      },
      parts: [],
    };
  }
  if (!from) return null;

  const notes: string[] = [];
  const parts: EmailPart[] = [];
  const attachments: Attachment[] = [];
  for (const a of parsed.attachments ?? []) {
    const mimeType = MIME.test(a.contentType ?? '') ? a.contentType.toLowerCase() : 'application/octet-stream';
    const name = safeFileName(a.filename);
    const size = a.content?.length ?? a.size ?? 0;
    if (size > MAX_ATTACHMENT_BYTES || parts.length >= MAX_PARTS) {
      notes.push(
        `[Attachment ${name ?? mimeType} (${megabytes(size)}) was not kept: ${parts.length >= MAX_PARTS ? `more than ${MAX_PARTS} attachments` : `larger than ${megabytes(MAX_ATTACHMENT_BYTES)}`}]`,
      );
      continue;
    }
    const sha256 = createHash('sha256').update(a.content).digest('hex');
    const idx = parts.length;
    parts.push({ idx, name, mimeType, content: a.content, sha256 });
    attachments.push({ type: attachmentType(mimeType), mimeType, ...(name ? { name } : {}), ref: partRef(idx), sha256 });
  }

  // mailparser leaves HTML-only parts' text empty (skipHtmlToText): converted here, keeping case.
  const body = (parsed.text ?? '').trim() || htmlToPlainText(parsed.html);
  const { text: newText, stripped } = stripQuotedHistory(body);
  const truncated = newText.length > MAX_TEXT_CHARS;
  if ((stripped || truncated) && body) {
    const content = Buffer.from(body, 'utf8');
    const idx = parts.length;
    parts.push({ idx, name: FULL_TEXT_NAME, mimeType: 'text/plain', content, sha256: createHash('sha256').update(content).digest('hex') });
    attachments.push({ type: 'file', mimeType: 'text/plain', name: FULL_TEXT_NAME, ref: partRef(idx), sha256: parts[idx].sha256 });
  }
  const subject =
    parsed.subject
      ?.replace(/[\r\n]+/g, ' ')
      .trim()
      .slice(0, 998) || null;
  const shown = [truncated ? `${newText.slice(0, MAX_TEXT_CHARS)}…` : newText, ...notes].filter(Boolean).join('\n\n');

  const inReplyTo = messageIdsOf(parsed.inReplyTo)[0] ?? null;
  return {
    payload: {
      emailMessageKey: normalizeMessageId(parsed.messageId) ?? rawMessageKey(raw),
      from: `${from.local}@${from.domain}`,
      fromName:
        fromHeader?.name
          ?.replace(/[\r\n]+/g, ' ')
          .trim()
          .slice(0, 200) || null,
      subject,
      // A mail with a subject and no body still says something.
      text: shown || subject,
      attachments,
      inReplyTo,
      references: messageIdsOf(parsed.references).slice(-50),
      conversationId: null,
      receivedAt: receivedAt.toISOString(),
      ...(isAutoReply(parsed) ? { autoReply: true } : isListMail(parsed) ? { listMail: true } : {}),
    },
    parts,
  };
}

/**
 * One stored mail -> one inbox message. Threading: the reply token's conversation first, then
 * the messages it answers (In-Reply-To, then References newest first); with neither it starts a
 * new conversation with its sender (see InboundMessage.thread).
 */
export function mapEmailPayload(e: StoredEmail): InboundEvent[] {
  if (e.bounce) return mapBounce(e.bounce, e.receivedAt);
  if (typeof e.emailMessageKey !== 'string' || !e.emailMessageKey) return [{ type: 'ignored', reason: 'e-mail without a message key' }];
  if (typeof e.from !== 'string' || !e.from.includes('@')) return [{ type: 'ignored', reason: 'e-mail without a sender' }];
  const receivedAt = new Date(e.receivedAt);
  const answered = [e.inReplyTo, ...[...(e.references ?? [])].reverse()].filter(isMessageId);
  return [
    {
      type: 'message',
      message: {
        externalContactId: e.from,
        contactName: e.fromName ?? null,
        externalMessageId: e.emailMessageKey,
        text: e.text ?? null,
        attachments: Array.isArray(e.attachments) ? e.attachments : [],
        sentAt: Number.isNaN(receivedAt.getTime()) ? new Date() : receivedAt,
        replyToExternalId: isMessageId(e.inReplyTo) ? e.inReplyTo : null,
        subject: typeof e.subject === 'string' ? e.subject : null,
        ...(e.autoReply === true ? { autoReply: true } : {}),
        ...(e.listMail === true ? { noAutoAnswer: true } : {}),
        thread: {
          conversationId: typeof e.conversationId === 'string' && isUuid(e.conversationId) ? e.conversationId : null,
          externalIds: [...new Set(answered)],
        },
      },
    },
  ];
}

/**
 * A bounce marks the message of ours it returns as failed, with the reason the server gave; the
 * ids it names that are not ours (most of them) are let go. It never becomes a message: a
 * conversation with the mailer daemon helps nobody.
 */
function mapBounce(b: Bounce, receivedAt: string): InboundEvent[] {
  if (b.action !== 'failed') return [{ type: 'ignored', reason: 'a delay notice: the mail server is still trying to deliver' }];
  const ids = (Array.isArray(b.messageIds) ? b.messageIds : []).filter(isMessageId);
  if (ids.length === 0) return [{ type: 'ignored', reason: 'a bounce that names no message' }];
  const at = new Date(receivedAt);
  const error = { code: b.status ? `SMTP ${b.status}` : 'BOUNCED', text: b.reason };
  return ids.map((id) => ({
    type: 'receipt',
    externalMessageId: id,
    status: 'failed',
    at: Number.isNaN(at.getTime()) ? new Date() : at,
    error,
    ifUnknown: 'ignore',
  }));
}
