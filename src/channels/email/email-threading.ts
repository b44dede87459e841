import { createHash, randomBytes } from 'node:crypto';
import { isUuid } from '../../../libs/domain/src';

/**
 * E-mail threading, the pure parts: reply tokens, Message-IDs and subjects.
 *
 * A reply token names one conversation: `reply+<token>@EMAIL_DOMAIN` is the Reply-To of what we
 * send in it. The token is the conversation's channel id (26 base32 characters: the SMTP
 * listener routes the mail to that channel's tenant and region before it looks the token up in
 * the tenant's own database) followed by 120 random bits (24 characters: what makes it
 * unguessable). Lower-case base32, so a relay that changes the case of the local part does no
 * harm; 56 characters with `reply+`, under the 64 a local part may have.
 */

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const TOKEN = /^[a-z2-7]{50}$/;
export const REPLY_PREFIX = 'reply+';

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string, length: number): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out.length >= length ? Buffer.from(out.slice(0, length)) : null;
}

/** A new reply token for a conversation of `channelId`. */
export function newReplyToken(channelId: string): string {
  if (!isUuid(channelId)) throw new Error('channel id must be a UUID');
  return base32(Buffer.from(channelId.replace(/-/g, ''), 'hex')) + base32(randomBytes(15));
}

/** The channel a well-formed token belongs to (the token itself is checked against the database). */
export function channelOfReplyToken(token: string): string | null {
  if (!TOKEN.test(token)) return null;
  const bytes = unbase32(token.slice(0, 26), 16);
  if (!bytes) return null;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `reply+<token>@<domain>` */
export const replyAddress = (token: string, emailDomain: string) => `${REPLY_PREFIX}${token}@${emailDomain}`;

/** Splits an address into lower-cased local part and domain; null when it is not one address. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at <= 0 || at === a.length - 1 || /[\s<>]/.test(a)) return null;
  return { local: a.slice(0, at), domain: a.slice(at + 1) };
}

/** The token of a `reply+<token>@<emailDomain>` address, else null. */
export function replyTokenOf(address: string, emailDomain: string): string | null {
  const parts = splitAddress(address);
  if (!parts || parts.domain !== emailDomain.toLowerCase() || !parts.local.startsWith(REPLY_PREFIX)) return null;
  const token = parts.local.slice(REPLY_PREFIX.length);
  return channelOfReplyToken(token) ? token : null;
}

const MAX_MESSAGE_ID = 900;

/** `<id@host>` as sent, or null for an empty or absurd value. Case is kept: ids are compared exactly. */
export function normalizeMessageId(raw: string | undefined | null): string | null {
  if (typeof raw !== 'string') return null;
  const inner = raw.trim().replace(/^<|>$/g, '').replace(/\s+/g, '');
  if (!inner || inner.length > MAX_MESSAGE_ID || /[<>]/.test(inner)) return null;
  return `<${inner}>`;
}

/** Every Message-ID named by a References / In-Reply-To header (mailparser gives a string or a list). */
export function messageIdsOf(header: string | string[] | undefined | null): string[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const out: string[] = [];
  for (const v of values) {
    const found = v.match(/<[^<>\s]+>/g) ?? (v.trim() ? [v] : []);
    for (const id of found) {
      const n = normalizeMessageId(id);
      if (n && !out.includes(n)) out.push(n);
    }
  }
  return out;
}

/** Where a mail has no Message-ID, the hash of its bytes is its identity (a resend dedupes). */
export const rawMessageKey = (raw: Buffer) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;

/** True for keys that are real Message-IDs (usable in In-Reply-To and References). */
export const isMessageId = (key: string | null | undefined): key is string => typeof key === 'string' && /^<[^<>\s]+>$/.test(key);

/** Our Message-ID for a message we send: derived from its id, so a retried send keeps it. */
export const outboundMessageId = (messageId: string, emailDomain: string) => `<mm.${messageId}@${emailDomain}>`;

/**
 * The References of a reply: the thread's ids oldest first, ending with the one answered. Long
 * threads keep the first id and the most recent ones (RFC 5322 3.6.4 lets the middle go).
 */
export function referencesFor(threadIds: string[], max = 20): string[] {
  const ids = [...new Set(threadIds.filter(isMessageId))];
  return ids.length <= max ? ids : [ids[0], ...ids.slice(ids.length - (max - 1))];
}

const REPLY_PREFIXES = /^\s*((re|aw|sv|antw|vs|odp|ynt|res|ang|atb|rv|отв|ha)(\[\d+\])?\s*:\s*)+/i;

/** "Re: <original subject>", without piling up prefixes. */
export function replySubject(subject: string | null | undefined): string {
  const base = (subject ?? '')
    .replace(/[\r\n]+/g, ' ')
    .replace(REPLY_PREFIXES, '')
    .trim();
  return `Re: ${base || '(no subject)'}`;
}
