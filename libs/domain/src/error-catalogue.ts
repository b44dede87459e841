/**
 * Every error `code` the API answers with: its HTTP status, what it means and what a client
 * should do. The throwing helpers (errors.ts) accept only codes listed here with a status that
 * matches their kind, so a new code cannot ship without its entry; docs/errors.md and
 * /docs/errors are generated from this list, and the OpenAPI document's error enums draw on it.
 */
import { REQUEST_ERRORS } from './error-catalogue/request';
import { AUTH_ERRORS } from './error-catalogue/auth';
import { ACCOUNT_ERRORS } from './error-catalogue/accounts';
import { CONVERSATION_ERRORS } from './error-catalogue/conversations';
import { MEDIA_ERRORS } from './error-catalogue/media';
import { CHANNEL_ERRORS } from './error-catalogue/channels';
import { WEBHOOK_ERRORS } from './error-catalogue/webhooks';
import { INTEGRATION_ERRORS } from './error-catalogue/integrations';
import { SANDBOX_ERRORS } from './error-catalogue/sandbox';
import type { ErrorEntry } from './error-catalogue/entry';

export type { ErrorEntry } from './error-catalogue/entry';

/** In the order docs/errors.md lists them; one file per area of the API. */
export const ERROR_CATALOGUE = {
  ...REQUEST_ERRORS,
  ...AUTH_ERRORS,
  ...ACCOUNT_ERRORS,
  ...CONVERSATION_ERRORS,
  ...MEDIA_ERRORS,
  ...CHANNEL_ERRORS,
  ...WEBHOOK_ERRORS,
  ...INTEGRATION_ERRORS,
  ...SANDBOX_ERRORS,
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

type StatusesOf<C extends ErrorCode> = (typeof ERROR_CATALOGUE)[C]['status'] extends infer S ? (S extends readonly number[] ? S[number] : S) : never;

/** The codes answered with HTTP status `S`. */
export type ErrorCodeWithStatus<S extends number> = { [C in ErrorCode]: S extends StatusesOf<C> ? C : never }[ErrorCode];

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CATALOGUE, code);

/** The statuses a code is answered with. */
export const statusesOf = (code: ErrorCode): readonly number[] => {
  const s: number | readonly number[] = ERROR_CATALOGUE[code].status;
  return typeof s === 'number' ? [s] : s;
};
