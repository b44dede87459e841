import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { guardedLookup, literalAddressAllowed } from '../../../common/public-address';

export interface CrmHttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  /** A JSON body (serialised here) or a ready string. */
  body?: unknown;
  timeoutMs?: number;
}

export interface CrmHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Why no answer came: the CRM never answered (network, timeout) or the URL may not be reached. */
export class CrmHttpError extends Error {
  constructor(
    readonly reason: 'network' | 'timeout' | 'non_public' | 'too_large',
    message: string,
  ) {
    super(message);
  }
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

/** The seconds or date of a Retry-After header, in ms (capped at an hour); undefined when absent. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : (Date.parse(value) - now) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, 3600_000) : undefined;
}

/**
 * HTTP for CRM connectors: only public addresses (unless local targets are allowed, like
 * webhooks and SMTP), no redirects followed, bounded in time and size, keep-alive per client.
 * Answers every status; throws CrmHttpError only when there is no answer.
 */
export class CrmHttp {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 4 });

  constructor(private readonly allowLocal: boolean) {}

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  send(req: CrmHttpRequest): Promise<CrmHttpResponse> {
    const { url } = req;
    if (!literalAddressAllowed(url, this.allowLocal)) return Promise.reject(new CrmHttpError('non_public', `${url.host} is not a public address`));
    const https = url.protocol === 'https:';
    if (!https && !(url.protocol === 'http:' && this.allowLocal)) return Promise.reject(new CrmHttpError('non_public', 'https is required'));
    const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const headers: Record<string, string> = { 'user-agent': 'MonkeyMachine-CRM/1', ...(req.headers ?? {}) };
    if (payload !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<CrmHttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: CrmHttpError) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        reject(err);
      };
      const r = (https ? httpsRequest : httpRequest)(
        url,
        { method: req.method, headers, agent: https ? this.httpsAgent : this.httpAgent, lookup: guardedLookup(this.allowLocal) as never },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              res.destroy();
              fail(new CrmHttpError('too_large', `the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
            } else chunks.push(c);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(deadline);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (err) => fail(new CrmHttpError('network', err.message)));
        },
      );
      const deadline = setTimeout(() => {
        r.destroy();
        fail(new CrmHttpError('timeout', `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      r.on('error', (err: NodeJS.ErrnoException) =>
        fail(
          new CrmHttpError(
            err.code === undefined && /non-public/.test(err.message) ? 'non_public' : 'network',
            `${err.code ?? 'NETWORK_ERROR'}: ${err.message}`,
          ),
        ),
      );
      r.end(payload);
    });
  }
}
