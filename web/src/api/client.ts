import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { freshAccessToken, refreshSession } from './refresh';
import { getSession, setTokens } from './session';

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

/** The typed client of the public API, generated from openapi.json (npm run api:generate). */
// fetch is looked up per call (not captured once), so tests can answer for the API.
export const api = createClient<paths>({ baseUrl: typeof location === 'undefined' ? '' : location.origin, fetch: (request) => globalThis.fetch(request) });

// Sign-in, sign-up, renewal and sign-out carry no session token of their own.
const withoutSession = (path: string) => path.startsWith('/api/auth/');
// A copy of each request as sent, so one refused for an expired token can be sent again once renewed.
const sent = new Map<string, Request>();

api.use({
  async onRequest({ request, schemaPath, id }) {
    if (withoutSession(schemaPath)) return request;
    const token = await freshAccessToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    sent.set(id, request.clone());
    return request;
  },
  async onResponse({ response, schemaPath, id }) {
    const copy = sent.get(id);
    sent.delete(id);
    if (response.status !== 401 || withoutSession(schemaPath) || !getSession()) return response;
    // The access token expired early (clock skew, a sleeping laptop): renew once and resend.
    if (copy && (await refreshSession())) {
      copy.headers.set('authorization', `Bearer ${getSession()!.token}`);
      return globalThis.fetch(copy);
    }
    // Renewal refused: the session is over (signed out elsewhere, deactivated): back to sign-in.
    if (getSession()) setTokens(null);
    return response;
  },
  onError({ id }) {
    sent.delete(id);
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
