import { DeliveryFailure } from '../../../libs/domain/src';

/** A platform's answer, read: its status, its JSON body (undefined when it sent none or not JSON) and its headers. */
export interface PlatformResponse<T> {
  status: number;
  ok: boolean;
  body: T | undefined;
  headers: Headers;
}

/** Retry-After in seconds (the form the platforms send) as milliseconds; anything else is ignored. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  const v = header?.trim();
  return v && /^\d+$/.test(v) ? Number(v) * 1000 : undefined;
}

/**
 * The one HTTP client of the platform APIs (Graph, Telegram, Twilio...): every call has a timeout,
 * a network failure or timeout is a retryable DeliveryFailure named after the platform (never
 * with the URL, which may carry a token), and the answer comes back read, for the platform's own
 * client to sort its errors into retryable / permanent / revoked by its codes.
 */
export class PlatformHttpClient {
  constructor(
    /** How failures name it: "Graph API", "Telegram Bot API"... */
    private readonly platform: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /** `body`: text, or a stream (an upload: sent as it is read, never held whole). */
  async request<T>(
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: string | ReadableStream<Uint8Array> },
  ): Promise<PlatformResponse<T>> {
    const res = await this.fetch(url, init);
    const body = (await res.json().catch(() => undefined)) as T | undefined;
    return { status: res.status, ok: res.ok, body, headers: res.headers };
  }

  /** The raw response (a binary download); a network failure or timeout throws as for `request`. */
  async fetch(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | ReadableStream<Uint8Array> } = {},
    unreachable?: string,
  ): Promise<Response> {
    try {
      // A streamed body needs half-duplex (fetch's rule); an upload gets longer than a call to finish.
      const streamed = init.body instanceof ReadableStream;
      return await fetch(url, {
        ...init,
        ...(streamed ? { duplex: 'half' } : {}),
        signal: AbortSignal.timeout(streamed ? this.timeoutMs * 8 : this.timeoutMs),
      } as RequestInit);
    } catch (err) {
      throw new DeliveryFailure(
        'retryable',
        'NETWORK',
        unreachable ?? ((err as Error).name === 'TimeoutError' ? `${this.platform} timed out` : `${this.platform} unreachable`),
      );
    }
  }
}
