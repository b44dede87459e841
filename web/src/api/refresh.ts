import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { type Session, getSession, readStoredSession, setTokens } from './session';

/** Renew this long before the access token's expiry, so a request never leaves with a dying token. */
const EARLY_MS = 30_000;

// A client without the session middleware: renewing must not recurse into renewing.
const authApi = createClient<paths>({
  baseUrl: typeof location === 'undefined' ? '' : location.origin,
  fetch: (request) => globalThis.fetch(request),
});

let inflight: Promise<boolean> | null = null;

/**
 * Trades the refresh token for the next pair, once per tab at a time and, where the browser has
 * Web Locks, once across tabs: the API treats a refresh token presented twice as stolen and ends
 * the session, so two tabs must never race with the same one. True when a fresh pair is in place.
 */
export function refreshSession(): Promise<boolean> {
  inflight ??= renewUnderLock().finally(() => {
    inflight = null;
  });
  return inflight;
}

function renewUnderLock(): Promise<boolean> {
  const seen = getSession()?.refreshToken ?? null;
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request('mm.session.refresh', () => renew(seen)) : renew(seen);
}

async function renew(seen: string | null): Promise<boolean> {
  const stored = readStoredSession();
  if (!stored?.refreshToken) {
    setTokens(null);
    return false;
  }
  // Another tab renewed while this one waited for the lock: adopt its pair.
  if (stored.refreshToken !== seen) {
    setTokens({ accessToken: stored.token, refreshToken: stored.refreshToken });
    return true;
  }
  try {
    const { data, response } = await authApi.POST('/api/auth/refresh', { body: { refreshToken: stored.refreshToken } });
    if (response.ok && data) {
      const pair = data as unknown as { accessToken: string; refreshToken: string };
      setTokens({ accessToken: pair.accessToken, refreshToken: pair.refreshToken });
      return true;
    }
    // Refused (expired, reused, session ended): signed out. Any other answer: keep the session and try again later.
    if (response.status === 400 || response.status === 401) setTokens(null);
    return false;
  } catch {
    return false;
  }
}

const needsRenewal = (s: Session) => !!s.refreshToken && s.expiresAt - Date.now() < EARLY_MS;

/** The access token to send now, renewed first when it is about to expire. */
export async function freshAccessToken(): Promise<string | null> {
  const s = getSession();
  if (!s) return null;
  if (needsRenewal(s)) await refreshSession();
  return getSession()?.token ?? null;
}

/** Ends the session on the server too (its access tokens stop working), then here. */
export async function signOut(): Promise<void> {
  const refreshToken = getSession()?.refreshToken;
  setTokens(null);
  if (refreshToken) await authApi.POST('/api/auth/logout', { body: { refreshToken } }).catch(() => undefined);
}
