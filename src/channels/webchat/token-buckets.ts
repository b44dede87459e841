import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Token buckets per key (a session, an IP address), in memory and bounded: when more keys are
 * tracked than `maxKeys`, the least recently used are forgotten (which only ever lets a request
 * through early). Per instance: behind N instances a client gets up to N times the rate.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** 0 when allowed (a token is taken), else the milliseconds until one is available. */
  take(key: string, now = Date.now()): number {
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    this.buckets.delete(key);
    b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.refillPerSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.refillPerSecond) * 1000);
  }
}

export class RateLimited extends HttpException {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** Throws 429 when the bucket for `key` is empty, telling the client when to retry (Retry-After). */
export function enforce(buckets: TokenBuckets, key: string, what: string, reply?: { header(name: string, value: string): unknown }): void {
  const wait = buckets.take(key);
  if (wait === 0) return;
  const seconds = Math.ceil(wait / 1000);
  reply?.header('retry-after', String(seconds));
  throw new RateLimited(`Too many ${what}; retry in ${seconds} s`, wait);
}
