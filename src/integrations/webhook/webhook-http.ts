import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, literalAddressAllowed } from '../../common/public-address';

export interface PostOutcome {
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  status: number | null;
  /** Why it did not succeed, for the delivery log (no response bodies are kept). */
  error: string | null;
  /** The receiver's Retry-After (429/503), capped. */
  retryAfterMs?: number;
}

export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_RETRY_AFTER_MS = 3600_000;

function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : undefined;
}

/**
 * One POST of a signed body. Redirects are not followed (a 3xx is a failure), only public
 * addresses are reached (unless local targets are allowed), and the whole exchange is bounded in
 * time and in how much of the answer is read. Never throws.
 */
export function postWebhook(url: URL, body: string, headers: Record<string, string>, opts: { allowLocal: boolean; timeoutMs?: number }): Promise<PostOutcome> {
  if (!literalAddressAllowed(url, opts.allowLocal))
    return Promise.resolve({
      ok: false,
      status: null,
      error: 'NON_PUBLIC_ADDRESS: the URL points to a non-public address (allowed only with WEBHOOKS_ALLOW_LOCAL_TARGETS=on, for development)',
    });
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' && opts.allowLocal ? httpRequest : null;
  if (!send) return Promise.resolve({ ok: false, status: null, error: 'INVALID_WEBHOOK_URL: https required' });
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;

  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const req = send(
      url,
      {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(opts.allowLocal) as never,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'MonkeyMachine-Webhooks/1',
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy(); // the answer's body is not needed, only its status
        });
        const done = () => {
          const ok = status >= 200 && status < 300;
          finish({ ok, status, error: ok ? null : `HTTP ${status}`, retryAfterMs: ok ? undefined : retryAfter(res.headers['retry-after']) });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const deadline = setTimeout(() => {
      req.destroy();
      finish({ ok: false, status: null, error: `TIMEOUT: no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, status: null, error: `${err.code ?? 'NETWORK_ERROR'}: ${err.message}` }));
    req.end(body);
  });
}
