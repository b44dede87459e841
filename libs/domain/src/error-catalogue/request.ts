import { FIX, RETRY, type ErrorEntry } from './entry';

/** Request shape (any route). */
export const REQUEST_ERRORS = {
  BAD_REQUEST: {
    status: 400,
    meaning: 'The request could not be understood (a malformed header or length, say); the rare other 4xx without a code of its own answers with it too.',
    action: FIX,
  },
  VALIDATION_FAILED: { status: 400, meaning: 'The body, query or path failed validation; the message lists every problem.', action: FIX },
  MALFORMED_JSON: { status: 400, meaning: 'The body is not valid JSON (or is empty where JSON is expected).', action: 'Send a well-formed JSON body.' },
  JSON_TOO_DEEP: {
    status: 400,
    meaning: 'The JSON body nests objects and arrays deeper than the API accepts.',
    action: 'Flatten the body; no API body needs deep nesting.',
  },
  INVALID_ID: {
    status: 400,
    meaning: 'A path parameter is not a well-formed id (a UUID, or a number where one is expected).',
    action: 'Use the ids the API returned.',
  },
  INVALID_CURSOR: {
    status: 400,
    meaning: 'The cursor was not issued by this API for this list.',
    action: 'Pass back nextCursor exactly as received, or start from the first page.',
  },
  NOT_FOUND: {
    status: 404,
    meaning: 'No such route (or export), or nothing there for this caller.',
    action: 'Check the method and path against the API document.',
  },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'The route exists but not with this method.', action: 'Use a method the API document lists for this path.' },
  NOT_ACCEPTABLE: { status: 406, meaning: 'The API cannot answer in a format the Accept header allows.', action: 'Accept application/json.' },
  LENGTH_REQUIRED: {
    status: 411,
    meaning: 'A chunked body was sent where a Content-Length is required.',
    action: 'Send the body with a Content-Length header.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The body is larger than this route accepts.', action: 'Send a smaller body.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: 'The body has a content type this route does not accept.',
    action: 'Send application/json (platform webhooks: the type the platform uses).',
  },
  RATE_LIMITED: { status: 429, meaning: 'Too many requests from this address or client.', action: 'Wait for the time in Retry-After, then retry.' },
  INTERNAL_ERROR: {
    status: 500,
    meaning: 'An unexpected failure; it is logged on the server. Nothing half-written remains.',
    action: 'Retry later; report it if it persists.',
  },
  DATABASE_UNAVAILABLE: { status: 503, meaning: 'The database cannot be reached right now.', action: RETRY },
} as const satisfies Record<string, ErrorEntry>;
