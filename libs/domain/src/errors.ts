/**
 * Every failure the domain can explain carries a stable code; one exception filter maps the
 * kind to an HTTP status, so services never think in status codes.
 */
export type DomainErrorKind = 'not_found' | 'invalid' | 'conflict' | 'forbidden' | 'unauthenticated' | 'unavailable' | 'rejected' | 'rate_limited';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const invalid = (code: string, message: string) => new DomainError('invalid', code, message);
export const conflict = (code: string, message: string) => new DomainError('conflict', code, message);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);
export const unauthenticated = (code: string, message: string) => new DomainError('unauthenticated', code, message);
/** Well-formed, but a rule (a platform's policy, say) does not allow it now. */
export const rejected = (code: string, message: string) => new DomainError('rejected', code, message);

/** A limit was reached: the caller may try again after `retryAfterSeconds` (sent as Retry-After). */
export class RetryLaterError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', code, message);
  }
}
