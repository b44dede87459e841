import { isIP } from 'node:net';
import { invalid } from '../../../libs/domain/src';
import { isPublicAddress } from '../../common/public-address';

/**
 * Where a Customer may send webhooks. The URL is the Customer's input and our server makes the
 * request: https only, no credentials in the URL, a public host (see common/public-address for
 * the check on the addresses actually connected to). `allowLocal` (WEBHOOKS_ALLOW_LOCAL_TARGETS,
 * development and tests) also admits http://localhost and private addresses.
 */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const MAX_URL_LENGTH = 2048;
/** What an operator trying things locally needs to hear; a Customer on a real deployment just sees the rule. */
export const LOCAL_HINT = ' (local and private targets are refused unless the server runs with WEBHOOKS_ALLOW_LOCAL_TARGETS=on, for development)';

/** Checks a subscription URL when it is registered; throws INVALID_WEBHOOK_URL with the reason. */
export function validateWebhookUrl(raw: string, allowLocal: boolean): URL {
  const bad = (why: string) => invalid('INVALID_WEBHOOK_URL', `url ${why}`);
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH) throw bad(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('is not an absolute URL');
  }
  // The URL parser already folds case, percent-escapes, full-width dots and every IPv4 spelling
  // (2130706433, 0x7f.1, 0177.0.0.1) into one form. A name ending in a dot is the same host as
  // without it (`localhost.` is localhost) but slips past name checks, so it is refused outright.
  if (url.hostname.endsWith('.') || /^\.|\.\./.test(url.hostname)) throw bad('must name a public host without empty labels or a trailing dot');
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLocal && local)) {
    throw bad(local && !allowLocal ? `must use https${LOCAL_HINT}` : 'must use https');
  }
  if (url.username || url.password) throw bad('must not carry credentials; verify the X-MonkeyMachine-Signature header instead');
  if (url.hash) throw bad('must not have a #fragment');
  if (!allowLocal) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !isPublicAddress(host)) throw bad(`must point to a public address${LOCAL_HINT}`);
    if (host === 'localhost' || /\.(localhost|local|internal|localdomain|home\.arpa)$/i.test(host) || !host.includes('.')) {
      throw bad(`must name a public host${LOCAL_HINT}`);
    }
  }
  return url;
}
