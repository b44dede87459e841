/**
 * Access tokens whose signature has been checked, with what they were found to say, until they
 * expire. An agent's screen sends the same token on every request for its whole life (minutes):
 * checking its HMAC and claims once, not per request, took about a tenth of the CPU of an
 * authenticated request (passport, jsonwebtoken, jws, a new Hmac each time).
 *
 * Keyed by the whole token, signature included, so only the very string that was verified is
 * believed; a changed byte anywhere is a miss and is verified afresh. The token's own `exp` is
 * checked on every hit, as jsonwebtoken checks it. What the token cannot know (the session ended,
 * the user deactivated, the role changed) is SessionValidity's job on every request, hit or miss.
 */
export class VerifiedTokens<T> {
  private readonly entries = new Map<string, { value: T; expiresAtMs: number }>();

  constructor(
    /** Most tokens kept; past it the least recently verified go first. */
    private readonly max = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** What `token` was verified to say, if it was and has not expired since. */
  get(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (this.now() < entry.expiresAtMs) return entry.value;
    this.entries.delete(token);
    return undefined;
  }

  /** Records a token that passed verification; one without a readable `exp` is not kept. */
  remember(token: string, value: T): void {
    const exp = expiryOf(token);
    if (exp === undefined || this.now() >= exp * 1000) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { value, expiresAtMs: exp * 1000 });
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The `exp` claim (seconds) of a compact JWS, read without verifying: only called on a verified token. */
function expiryOf(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}
