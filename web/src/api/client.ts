import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { getSession, setToken } from './session';

/** An answer of the API that is not a success: its stable `code` says what happened. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The typed client of the public API, generated from /docs-json (npm run web:api). */
// fetch is looked up per call (not captured once), so tests can answer for the API.
export const api = createClient<paths>({ baseUrl: typeof location === 'undefined' ? '' : location.origin, fetch: (request) => globalThis.fetch(request) });

api.use({
  onRequest({ request }) {
    const session = getSession();
    if (session) request.headers.set('authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ response }) {
    // The token expired or the user was deactivated: back to the sign-in screen.
    if (response.status === 401 && getSession()) setToken(null);
    return response;
  },
});

/** Turns an openapi-fetch result into its data, or throws the API's error. */
export async function unwrap<T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const body = (error ?? {}) as { code?: string; message?: string | string[] };
    const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? response.statusText);
    throw new ApiError(response.status, body.code ?? `HTTP_${response.status}`, message);
  }
  return data as T;
}
