import { DeliveryFailure, RateLimitedFailure } from '../../../libs/domain/src';
import type { StreamedBody } from '../core/multipart-body';
import { PlatformHttpClient, retryAfterMs as parseRetryAfter } from '../core/platform-http';

interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
}

// Graph error codes (shared/PROTOCOLS.md): which mean "lost access", which "try again later".
const REVOKED_CODES = new Set([190, 10]);
const RETRYABLE_CODES = new Set([1, 2, 4, 17, 32, 613, 130429, 80007]);
// Of those, the rate limits (app, user, Page, call-rate, WhatsApp throughput, WhatsApp/Instagram account): the channel waits.
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 130429, 80007]);

/** Sorts a Graph error into retryable, permanent or revoked; keeps the platform's code and text. */
export function classifyGraphError(httpStatus: number, error: GraphError | undefined, retryAfterHeader: string | null | undefined): DeliveryFailure {
  const code = error?.code;
  const text = error?.message ?? `HTTP ${httpStatus}`;
  const platformCode = code !== undefined ? String(code) + (error?.error_subcode ? `/${error.error_subcode}` : '') : `HTTP_${httpStatus}`;
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  if (code !== undefined && (REVOKED_CODES.has(code) || (code >= 200 && code <= 299))) return new DeliveryFailure('revoked', platformCode, text);
  if ((code !== undefined && RATE_LIMIT_CODES.has(code)) || httpStatus === 429) return new RateLimitedFailure(platformCode, text, retryAfterMs);
  if ((code !== undefined && RETRYABLE_CODES.has(code)) || httpStatus >= 500) {
    return new DeliveryFailure('retryable', platformCode, text, retryAfterMs);
  }
  return new DeliveryFailure('permanent', platformCode, text);
}

/**
 * Minimal Graph API client. The token travels in the Authorization header only, so it never
 * appears in a URL, an access log or an error message.
 */
export class GraphClient {
  private readonly http: PlatformHttpClient;

  constructor(
    private readonly baseUrl: string,
    timeoutMs = 15_000,
  ) {
    this.http = new PlatformHttpClient('Graph API', timeoutMs);
  }

  async post<T>(path: string, token: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, token, body);
  }

  /** A multipart upload (WhatsApp media, Messenger attachments), streamed. */
  async upload<T>(path: string, token: string, body: StreamedBody): Promise<T> {
    const res = await this.http.request<{ error?: GraphError } & T>(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType, 'content-length': String(body.length) },
      body: body.body,
    });
    const payload = res.body ?? ({} as { error?: GraphError } & T);
    if (!res.ok || payload.error) throw classifyGraphError(res.status, payload.error, res.headers['retry-after']);
    return payload;
  }

  async get<T>(pathOrUrl: string, token: string): Promise<T> {
    return this.call<T>('GET', pathOrUrl, token);
  }

  /** Streams a binary resource (media) that needs the same bearer token. */
  async fetchBinary(url: string, token: string): Promise<{ body: ReadableStream<Uint8Array>; contentType?: string; length?: number }> {
    const res = await this.http.fetch(url, { headers: { authorization: `Bearer ${token}` } }, 'Media host unreachable');
    if (!res.ok || !res.body) throw classifyGraphError(res.status, undefined, res.headers.get('retry-after'));
    const length = Number(res.headers.get('content-length'));
    return { body: res.body, contentType: res.headers.get('content-type') ?? undefined, length: Number.isFinite(length) && length > 0 ? length : undefined };
  }

  private async call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    const res = await this.http.request<{ error?: GraphError } & T>(path.startsWith('http') ? path : `${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const payload = res.body ?? ({} as { error?: GraphError } & T);
    if (!res.ok || payload.error) throw classifyGraphError(res.status, payload.error, res.headers['retry-after']);
    return payload;
  }
}
