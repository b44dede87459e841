import { isIP } from 'node:net';
import { invalid } from '../../../../libs/domain/src';
import { isPublicAddress } from '../../../common/public-address';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Where a CRM connection's requests go (config.baseUrl): https to a public host, no credentials,
 * query or fragment in it. `allowLocal` (WEBHOOKS_ALLOW_LOCAL_TARGETS, development and tests)
 * also admits http://localhost and private addresses, as for webhooks and SMTP servers. The
 * addresses a name resolves to are checked again on every connection (CrmHttp).
 */
export function validateCrmBaseUrl(raw: unknown, allowLocal: boolean): URL {
  const bad = (why: string) => invalid('INVALID_CRM_BASE_URL', `config.baseUrl ${why}`);
  if (typeof raw !== 'string' || raw.length > 2048) throw bad('must be a URL of at most 2048 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('is not an absolute URL');
  }
  if (url.hostname.endsWith('.') || /^\.|\.\./.test(url.hostname)) throw bad('must name a public host without empty labels or a trailing dot');
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLocal && local)) throw bad('must use https');
  if (url.username || url.password) throw bad('must not carry credentials (put them in credentials)');
  if (url.search || url.hash) throw bad('must not have a query or #fragment');
  if (!allowLocal) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !isPublicAddress(host)) throw bad('must point to a public address');
    if (host === 'localhost' || /\.(localhost|local|internal|localdomain|home\.arpa)$/i.test(host) || !host.includes('.')) throw bad('must name a public host');
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}
