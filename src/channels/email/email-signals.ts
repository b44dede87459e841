import type { Attachment as ParsedPart, HeaderValue, ParsedMail } from 'mailparser';
import { messageIdsOf, normalizeMessageId, splitAddress } from './email-threading';

/** What a delivery failure report (a bounce) says about a message we sent. */
export interface Bounce {
  /** Message-IDs the report names: the returned message's own, else the ones the report answers. */
  messageIds: string[];
  /** The enhanced status code (RFC 3463), e.g. `5.1.1`. */
  status: string | null;
  /** Why, as the reporting server put it (Diagnostic-Code, else the Action). */
  reason: string;
  /** `failed` (permanent) or `delayed` (still trying); a report of success is not a bounce. */
  action: 'failed' | 'delayed';
}

const headerText = (v: HeaderValue | undefined): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => headerText(x as HeaderValue)).join(', ');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && 'value' in v) return String((v as { value: unknown }).value ?? '');
  return String(v);
};

const AUTO_PRECEDENCE = new Set(['auto_reply', 'bulk', 'junk']);
/** Outlook and others mark only the subject; these prefixes are never a person's own words. */
const AUTO_SUBJECT = /^\s*(automatic reply|auto[- ]?reply|autoreply|out of office( reply)?|abwesenheitsnotiz|automatische antwort|réponse automatique)\s*:/i;

/**
 * A message a machine sent on the End User's behalf: `Auto-Submitted` other than `no` (RFC 3834),
 * `Precedence: auto_reply|bulk|junk`, the autoresponder headers of common mail servers, or an
 * automatic-reply subject (Outlook's "Automatic reply:").
 */
export function isAutoReply(parsed: Pick<ParsedMail, 'headers' | 'subject'>): boolean {
  const h = parsed.headers;
  const auto = headerText(h?.get('auto-submitted')).trim().toLowerCase();
  if (auto && auto !== 'no') return true;
  if (AUTO_PRECEDENCE.has(headerText(h?.get('precedence')).trim().toLowerCase())) return true;
  if (h?.has('x-autoreply') || h?.has('x-autorespond') || h?.has('x-autoresponse') || h?.has('x-vacation')) return true;
  return AUTO_SUBJECT.test(parsed.subject ?? '');
}

/**
 * Mail a list distributed (`List-Id`, `List-Unsubscribe`, `Precedence: list`): a person may have
 * written it, so it is an ordinary message, but no automatic reply answers it (RFC 3834, section 2).
 */
export function isListMail(parsed: Pick<ParsedMail, 'headers'>): boolean {
  const h = parsed.headers;
  // mailparser gathers the List-* fields under one `list` header.
  return !!(h?.has('list') || h?.has('list-id') || headerText(h?.get('precedence')).trim().toLowerCase() === 'list');
}

const partText = (p: ParsedPart): string => (p.content ? p.content.toString('utf8') : '');

/** The header block of a returned message (message/rfc822 or text/rfc822-headers). */
const headerBlock = (text: string): string => text.split(/\r?\n\r?\n/, 1)[0] ?? '';

/** `Name: value` fields of a delivery-status part (RFC 3464), the per-recipient ones last wins. */
function dsnFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  // Folded lines continue the field above.
  for (const line of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (m) fields.set(m[1].toLowerCase(), m[2].trim());
  }
  return fields;
}

const DAEMONS = new Set(['mailer-daemon', 'postmaster', 'mail-daemon', 'mailerdaemon']);

/**
 * Reads a delivery failure report: `multipart/report; report-type=delivery-status` (or any mail
 * with a message/delivery-status part), or mail from a null sender or a mailer daemon. Null for
 * anything else, and for a report of success (`Action: delivered|relayed|expanded`).
 */
export function readBounce(parsed: ParsedMail, envelopeFrom: string | null): Bounce | null {
  const contentType = parsed.headers?.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const report = contentType?.value?.toLowerCase() === 'multipart/report' && contentType.params?.['report-type']?.toLowerCase() === 'delivery-status';
  const parts = parsed.attachments ?? [];
  const statusPart = parts.find((p) => /^message\/(global-)?delivery-status$/i.test(p.contentType ?? ''));
  const from = splitAddress(parsed.from?.value?.find((a) => a.address)?.address ?? '');
  const daemon = envelopeFrom === '' || (from !== null && DAEMONS.has(from.local));
  if (!report && !statusPart && !daemon) return null;

  // mailparser reads a message/delivery-status part as text: then the report's fields are in the text.
  const text = parsed.text ?? '';
  const inText = /^(reporting-mta|final-recipient|original-recipient|action):/im.exec(text);
  const fields = statusPart ? dsnFields(partText(statusPart)) : inText ? dsnFields(text.slice(inText.index)) : new Map<string, string>();
  const action = (fields.get('action') ?? 'failed').toLowerCase();
  if (action !== 'failed' && action !== 'delayed') return null;

  const returned = parts.find((p) => /^(message\/(global-)?rfc822|text\/rfc822-headers|message\/global-headers)$/i.test(p.contentType ?? ''));
  const returnedId = returned ? /^message-id:\s*(\S+)/im.exec(headerBlock(partText(returned)))?.[1] : undefined;
  // Old-style bounces quote the returned headers in their text.
  const quotedId = returned ? undefined : /^message-id:\s*(\S+)/im.exec(text)?.[1];
  const ids = [normalizeMessageId(returnedId ?? quotedId), ...messageIdsOf(parsed.inReplyTo), ...messageIdsOf(parsed.references)].filter(
    (id): id is string => !!id,
  );
  const diagnostic = fields.get('diagnostic-code')?.replace(/^smtp;\s*/i, '');
  const code = fields.get('status') ?? null;
  const reason = (diagnostic || (parsed.subject ?? '').trim() || 'the message could not be delivered').slice(0, 1000);
  return { messageIds: [...new Set(ids)].slice(0, 20), status: code, reason, action };
}
