import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, literalAddressAllowed } from '../../common/public-address';

/** An inbound file as the platform serves it: its bytes, read once as they arrive. */
export interface FetchedMedia {
  stream: AsyncIterable<Uint8Array>;
  /** What the platform said the size is, when it did (a larger one is refused before reading). */
  length?: number;
  /** The name the End User gave the file, when the platform tells it. */
  fileName?: string;
}

/**
 * Why an inbound file could not be had: `not_found` (404/410: an expired link, a deleted file),
 * `too_large` (the platform will not hand it over at this size), `retryable` (the platform failed
 * or was unreachable: try again later), `failed` (refused for good: no access, a host we may not reach).
 */
export class MediaFetchFailure extends Error {
  constructor(
    readonly reason: 'not_found' | 'too_large' | 'retryable' | 'failed',
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'MediaFetchFailure';
  }
}

/** A platform's HTTP status, as what it means for fetching a file. */
export function fetchFailureOf(status: number, what: string): MediaFetchFailure {
  if (status === 404 || status === 410) return new MediaFetchFailure('not_found', `${what}: HTTP ${status}`);
  if (status === 429 || status >= 500) return new MediaFetchFailure('retryable', `${what}: HTTP ${status}`);
  return new MediaFetchFailure('failed', `${what}: HTTP ${status}`);
}

const TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 3;

/**
 * GET of a file at a URL a platform handed us (Meta's CDN, a WhatsApp media URL, Twilio's MediaUrl):
 * only public addresses are reached (unless local targets are allowed, for development and tests),
 * https only (http too with local targets), at most a few redirects, each target checked again
 * and never sent the credentials of another origin (Twilio redirects to its storage). Streams the
 * body; the caller stops reading when it has read enough.
 */
export async function fetchMediaUrl(raw: string, opts: { allowLocal: boolean; headers?: Record<string, string>; what: string }): Promise<FetchedMedia> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MediaFetchFailure('failed', `${opts.what}: not a URL`);
  }
  const origin = url.origin;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers = url.origin === origin ? (opts.headers ?? {}) : {};
    const res = await get(url, headers, opts);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw fetchFailureOf(status, opts.what);
    }
    const length = Number(res.headers['content-length']);
    return { stream: res, ...(Number.isFinite(length) && length > 0 ? { length } : {}) };
  }
  throw new MediaFetchFailure('failed', `${opts.what}: too many redirects`);
}

function get(url: URL, headers: Record<string, string>, opts: { allowLocal: boolean; what: string }): Promise<IncomingMessage> {
  if (!literalAddressAllowed(url, opts.allowLocal)) return Promise.reject(new MediaFetchFailure('failed', `${opts.what}: not a public address`));
  const https = url.protocol === 'https:';
  if (!https && !(url.protocol === 'http:' && opts.allowLocal)) return Promise.reject(new MediaFetchFailure('failed', `${opts.what}: https is required`));
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { method: 'GET', agent: false, headers: { 'user-agent': 'MonkeyMachine-Media/1', ...headers }, lookup: guardedLookup(opts.allowLocal) as never },
      (res) => {
        // A body that stalls past the idle timeout ends its stream with an error, which the reader sees.
        res.on('error', () => undefined);
        resolve(res);
      },
    );
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new MediaFetchFailure('retryable', `${opts.what}: timed out`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof MediaFetchFailure) return reject(err);
      // A non-public DNS answer is refused for good; anything else on the network may pass.
      const refused = err.code === 'NON_PUBLIC_ADDRESS' || /non-public/.test(err.message);
      reject(new MediaFetchFailure(refused ? 'failed' : 'retryable', `${opts.what}: ${refused ? 'not a public address' : (err.code ?? 'network error')}`));
    });
    req.end();
  });
}
