import { Agent as HttpAgent, type ClientRequest, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable, pipeline } from 'node:stream';
import { DeliveryFailure } from '../../../libs/domain/src';

/** A platform's answer, read: its status, its JSON body (undefined when it sent none or not JSON) and its headers. */
export interface PlatformResponse<T> {
  status: number;
  ok: boolean;
  body: T | undefined;
  headers: IncomingHttpHeaders;
}

/** A request body: text, or an upload's bytes as they are read (sent as they come, never held whole). */
export type PlatformBody = string | AsyncIterable<Uint8Array>;

/** Retry-After in seconds (the form the platforms send) as milliseconds; anything else is ignored. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  const v = header?.trim();
  return v && /^\d+$/.test(v) ? Number(v) * 1000 : undefined;
}

// An idle kept-alive socket is closed after this, before the platforms' own keep-alive timeouts
// would close it under a request (Node also honours a shorter `Keep-Alive: timeout=` they announce).
const IDLE_SOCKET_MS = 4_000;
// One pool per scheme for every platform client: sockets are per host and port, and a busy sender
// reuses the warmest ones (lifo) so the pool shrinks back when the load does.
const agents = {
  http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
  https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
};

/** A call's whole time, in idle timeouts: a platform that sends a byte now and then never trips the idle timeout. */
const DEADLINE_IN_TIMEOUTS = 4;
/** The platforms' API answers are small JSON documents (a page of a list at most): anything larger is refused unread. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * The one HTTP client of the platform APIs (Graph, Telegram, Twilio...): every call has a timeout,
 * a network failure or timeout is a retryable DeliveryFailure named after the platform (never
 * with the URL, which may carry a token), and the answer comes back read, for the platform's own
 * client to sort its errors into retryable / permanent / revoked by its codes.
 *
 * Calls go through node:http on kept-alive sockets, not WHATWG fetch: in bench:send fetch and its
 * per-call AbortSignal.timeout were half of the app's CPU. The timeout is the socket's idle timeout
 * (no byte sent or received for that long), armed on the socket the call gets; a plain timer bounds
 * the whole call at DEADLINE_IN_TIMEOUTS of it (a slow drip of bytes would otherwise hold a sender
 * for ever), and an answer over MAX_ANSWER_BYTES is cut off rather than held in memory.
 */
export class PlatformHttpClient {
  constructor(
    /** How failures name it: "Graph API", "Telegram Bot API"... */
    private readonly platform: string,
    private readonly timeoutMs = 15_000,
  ) {}

  request<T>(url: string, init: { method: string; headers?: Record<string, string>; body?: PlatformBody }): Promise<PlatformResponse<T>> {
    const { body } = init;
    const streamed = body !== undefined && typeof body !== 'string';
    const headers = streamed || body === undefined ? init.headers : { ...init.headers, 'content-length': String(Buffer.byteLength(body)) };
    // An upload gets longer than a call: the platform may read it slowly and answer once it has it all.
    const idleMs = streamed ? this.timeoutMs * 8 : this.timeoutMs;
    return new Promise((resolve, reject) => {
      let why: 'timed out' | 'unreachable' | `answered more than ${number} bytes` = 'unreachable';
      let settled = false;
      const deadline = setTimeout(() => abandon('timed out'), idleMs * DEADLINE_IN_TIMEOUTS).unref();
      const fail = () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        reject(new DeliveryFailure('retryable', 'NETWORK', `${this.platform} ${why}`));
      };
      const abandon = (reason: typeof why) => {
        why = reason;
        req.destroy();
        fail();
      };
      let req: ClientRequest;
      try {
        const https = url.startsWith('https:');
        req = (https ? httpsRequest : httpRequest)(url, {
          method: init.method,
          headers,
          agent: https ? agents.https : agents.http,
          timeout: idleMs,
        });
      } catch {
        return fail(); // a URL node cannot request (a misconfigured base URL)
      }
      req.on('timeout', () => abandon('timed out'));
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_ANSWER_BYTES) return abandon(`answered more than ${MAX_ANSWER_BYTES} bytes`);
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('close', () => res.complete || fail());
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          const status = res.statusCode ?? 0;
          resolve({ status, ok: status >= 200 && status < 300, body: parseJson<T>(chunks), headers: res.headers });
        });
      });
      if (streamed) pipeline(Readable.from(body), req, () => undefined);
      else req.end(body);
    });
  }

  /**
   * The raw response (a binary download); a network failure or timeout throws as for `request`.
   * Downloads stay on fetch: they are few, may be redirected, and their callers hand the body on
   * as a web stream.
   */
  async fetch(url: string, init: { headers?: Record<string, string> } = {}, unreachable?: string): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new DeliveryFailure(
        'retryable',
        'NETWORK',
        unreachable ?? ((err as Error).name === 'TimeoutError' ? `${this.platform} timed out` : `${this.platform} unreachable`),
      );
    }
  }
}

function parseJson<T>(chunks: Buffer[]): T | undefined {
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks).toString()) as T;
  } catch {
    return undefined;
  }
}
