import type { ErrorCodeWithStatus } from './error-catalogue';

/**
 * Every failure the domain can explain carries a stable code from the error catalogue; one
 * exception filter maps the kind to an HTTP status, so services never think in status codes.
 * Each kind accepts only the catalogued codes answered with its status.
 */
export type DomainErrorKind =
  'not_found' | 'invalid' | 'conflict' | 'forbidden' | 'unauthenticated' | 'unavailable' | 'rejected' | 'rate_limited' | 'too_large';

export const STATUS_OF_KIND = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rejected: 422,
  rate_limited: 429,
  unavailable: 503,
} as const satisfies Record<DomainErrorKind, number>;

export type CodeOfKind<K extends DomainErrorKind> = ErrorCodeWithStatus<(typeof STATUS_OF_KIND)[K]>;

export class DomainError<K extends DomainErrorKind = DomainErrorKind> extends Error {
  constructor(
    readonly kind: K,
    readonly code: CodeOfKind<K>,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (code: CodeOfKind<'not_found'>, message: string) => new DomainError('not_found', code, message);
export const invalid = (code: CodeOfKind<'invalid'>, message: string) => new DomainError('invalid', code, message);
export const conflict = (code: CodeOfKind<'conflict'>, message: string) => new DomainError('conflict', code, message);
export const forbidden = (code: CodeOfKind<'forbidden'>, message: string) => new DomainError('forbidden', code, message);
export const unauthenticated = (code: CodeOfKind<'unauthenticated'>, message: string) => new DomainError('unauthenticated', code, message);
/** Well-formed, but a rule (a platform's policy, say) does not allow it now. */
export const rejected = (code: CodeOfKind<'rejected'>, message: string) => new DomainError('rejected', code, message);
/** A file (or a tenant's store of files) over a limit: 413. */
export const tooLarge = (code: CodeOfKind<'too_large'>, message: string) => new DomainError('too_large', code, message);

/** A limit was reached: the caller may try again after `retryAfterSeconds` (sent as Retry-After). */
export class RetryLaterError extends DomainError<'rate_limited'> {
  constructor(
    code: CodeOfKind<'rate_limited'>,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', code, message);
  }
}
