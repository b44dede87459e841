import { CrmCallError } from '../../../../libs/domain/src';
import { CrmHttp, CrmHttpError, CrmHttpRequest, CrmHttpResponse } from './crm-http';
import type { TokenBucket } from './token-bucket';

/** Attempts of one request before a rate limit or outage fails it (the sync run then stops and resumes later). */
export const MAX_CALL_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 30_000;

export interface TransportStats {
  /** Requests sent (attempts included). */
  requests: number;
  /** Answers that asked us to slow down or wait (429, 503, throttling codes). */
  throttled: number;
}

/**
 * How a connector reaches its CRM: every request waits for a token of the connection's bucket
 * (the vendor's documented rate), and a rate limit or outage is retried after the CRM's hint
 * (Retry-After, a reset time) or an exponential backoff, pausing the whole connection meanwhile.
 * `classify` is the vendor's reading of an answer: null when it is an answer to use.
 */
export class CrmTransport {
  readonly stats: TransportStats = { requests: 0, throttled: 0 };

  constructor(
    private readonly http: CrmHttp,
    private readonly bucket: TokenBucket,
    private readonly classify: (res: CrmHttpResponse) => CrmCallError | null,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly maxAttempts = MAX_CALL_ATTEMPTS,
  ) {}

  async call(req: CrmHttpRequest): Promise<CrmHttpResponse> {
    for (let attempt = 1; ; attempt++) {
      await this.bucket.take();
      this.stats.requests++;
      let failure: CrmCallError | null;
      let res: CrmHttpResponse | undefined;
      try {
        res = await this.http.send(req);
        failure = this.classify(res);
      } catch (err) {
        if (!(err instanceof CrmHttpError)) throw err;
        failure = new CrmCallError(err.reason === 'non_public' ? 'refused' : 'unavailable', `${req.url.host}: ${err.message}`);
      }
      if (!failure) return res!;
      if (!failure.retryable || attempt >= this.maxAttempts) throw failure;
      this.stats.throttled++;
      const backoff = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      const wait = failure.retryAfterMs !== undefined ? Math.min(failure.retryAfterMs, 3600_000) : Math.round(backoff * (0.8 + Math.random() * 0.4));
      this.bucket.pause(Date.now() + wait);
    }
  }
}
