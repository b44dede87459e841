import type { ErrorEntry } from './entry';

/** Authentication and roles. */
export const AUTH_ERRORS = {
  UNAUTHENTICATED: {
    status: 401,
    meaning: 'No valid bearer token (user token or API key) came with the request.',
    action: 'Sign in (or refresh the token) and send Authorization: Bearer <token>.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    meaning: 'The e-mail and password (or the current password) do not match.',
    action: 'Ask the user to type them again; repeated failures are throttled.',
  },
  INVALID_REFRESH_TOKEN: { status: 401, meaning: 'The refresh token is expired, revoked or unknown.', action: 'Sign in again.' },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    meaning: 'A refresh token was used twice; the whole session was ended as a precaution.',
    action: 'Sign in again; use each refresh token only once.',
  },
  FORBIDDEN: { status: 403, meaning: 'The caller may not do this.', action: 'Do not retry; the caller needs other rights.' },
  ROLE_REQUIRED: {
    status: 403,
    meaning: "The caller's role does not allow this action.",
    action: 'Ask an owner or admin, or use a user with the needed role.',
  },
  ROLE_NOT_ALLOWED: {
    status: 403,
    meaning: 'The caller cannot give the requested role (to a user, invitation or key).',
    action: 'Choose a role at or below your own.',
  },
  NOT_A_PERSON: {
    status: [400, 403],
    meaning: 'An API key tried something only a person can do (manage keys, change a password).',
    action: 'Do it signed in as a user.',
  },
  USER_DEACTIVATED: {
    status: [403, 409],
    meaning: 'The user is deactivated: they cannot sign in, or cannot receive what was asked (ownership).',
    action: 'Ask an owner or admin to reactivate the user, or choose an active one.',
  },
  OPERATOR_READ_ONLY: { status: 403, meaning: 'Operator access to an organization is read-only.', action: 'Use only GET requests under an access grant.' },
  PURPOSE_NOT_PERMITTED: {
    status: [403, 422],
    meaning: 'The data may not be used for this purpose (its origin forbids it, or no data is ever passed on for it).',
    action: 'Do not retry; choose another purpose or leave that data out.',
  },
  TOO_MANY_ATTEMPTS: {
    status: 429,
    meaning: 'Too many sign-in, sign-up or reset attempts from this address or for this account.',
    action: 'Wait for the time in Retry-After.',
  },
  TOO_MANY_STREAMS: {
    status: 429,
    meaning: 'Too many live event streams are open for this user or organization.',
    action: 'Close another stream (tab), then reconnect after Retry-After.',
  },
} as const satisfies Record<string, ErrorEntry>;
