import { createHmac } from 'node:crypto';
import { sameSecret } from '../../../libs/crypto/src';

/** The POST parameters of a Twilio request, in the order received; a name may repeat. */
export type FormParams = ReadonlyArray<readonly [string, string]>;

/** Decodes an `application/x-www-form-urlencoded` body exactly as sent, keeping every pair. */
export function parseFormBody(raw: Buffer | string | undefined): Array<[string, string]> {
  if (!raw || raw.length === 0) return [];
  return [...new URLSearchParams(typeof raw === 'string' ? raw : raw.toString('utf8'))];
}

/**
 * `X-Twilio-Signature` = base64(HMAC-SHA1(authToken, url + name1 + value1 + name2 + value2 …)) with
 * the POST parameters sorted by name (case-sensitive, code-unit order). A name sent several times
 * contributes each distinct value, sorted, as Twilio's own helper libraries compute it.
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) byName.set(name, (byName.get(name) ?? new Set()).add(value));
  let data = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...byName.get(name)!].sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * Twilio may sign an https URL with or without an explicit default port (its helper libraries
 * accept both): for each candidate URL, the other spelling is tried too.
 */
export function portVariants(url: string): string[] {
  const m = /^(https?):\/\/([^/?#]+)(.*)$/is.exec(url);
  if (!m) return [url];
  const [, scheme, authority, rest] = m;
  const at = authority.lastIndexOf('@');
  const userinfo = authority.slice(0, at + 1);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.slice(at + 1));
  if (!hp) return [url];
  const [, host, port] = hp;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  // Only the default port is optional; any other port is part of the URL as configured.
  if (port && port !== defaultPort) return [url];
  return [...new Set([url, `${scheme}://${userinfo}${host}${rest}`, `${scheme}://${userinfo}${host}:${defaultPort}${rest}`])];
}

/** True when `header` is Twilio's signature over any of `urls` (and its port spellings) with these parameters. */
export function verifyTwilioSignature(authToken: string, urls: readonly string[], params: FormParams, header: string | undefined): boolean {
  if (!authToken || !header) return false;
  let ok = false;
  // Every candidate is checked (no early exit), so timing does not tell which URL matched.
  for (const url of new Set(urls.flatMap(portVariants))) ok = sameSecret(twilioSignature(authToken, url, params), header) || ok;
  return ok;
}
