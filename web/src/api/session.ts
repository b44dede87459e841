/**
 * The signed-in session: a short-lived access token and the single-use refresh token that buys
 * the next pair. Both are kept in localStorage so every tab of this browser shares one session;
 * a tab adopts what another tab stored (the `storage` event). The dashboard reads the access
 * token's role and ids only to decide what to show (the API checks every call anyway).
 */
export type Role = 'owner' | 'admin' | 'agent' | 'operator';

export interface Session {
  token: string;
  /** Absent for sessions that cannot be renewed (an operator's grant): they end when the token does. */
  refreshToken: string | null;
  userId: string;
  tenantId: string;
  role: Role;
  expiresAt: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken?: string | null;
}

const KEY = 'mm.session';
type Listener = () => void;
const listeners = new Set<Listener>();

function decodeClaims(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export function sessionFromTokens(pair: TokenPair): Session | null {
  const c = decodeClaims(pair.accessToken);
  if (!c || typeof c.sub !== 'string' || typeof c.role !== 'string') return null;
  return {
    token: pair.accessToken,
    refreshToken: pair.refreshToken ?? null,
    userId: c.sub,
    tenantId: String(c.tid ?? ''),
    role: c.role as Role,
    expiresAt: typeof c.exp === 'number' ? c.exp * 1000 : Number.POSITIVE_INFINITY,
  };
}

/** What localStorage holds: the pair as JSON (a bare token was stored by earlier versions). */
function parseStored(raw: string | null | undefined): Session | null {
  if (!raw) return null;
  if (!raw.startsWith('{')) return sessionFromTokens({ accessToken: raw });
  try {
    const v = JSON.parse(raw) as Partial<TokenPair>;
    return typeof v.accessToken === 'string' ? sessionFromTokens({ accessToken: v.accessToken, refreshToken: v.refreshToken }) : null;
  } catch {
    return null;
  }
}

let current: Session | null = null;
let loaded = false;

/** The session as stored now, possibly written by another tab since this one last looked. */
export function readStoredSession(): Session | null {
  return parseStored(safeStorage()?.getItem(KEY));
}

export function getSession(): Session | null {
  if (!loaded) {
    loaded = true;
    current = readStoredSession();
    if (typeof window !== 'undefined') window.addEventListener('storage', onOtherTab);
  }
  // An expired access token ends the session only when there is nothing to renew it with.
  if (current && !current.refreshToken && current.expiresAt <= Date.now()) setTokens(null);
  return current;
}

export function setTokens(pair: TokenPair | null): void {
  current = pair ? sessionFromTokens(pair) : null;
  loaded = true;
  const storage = safeStorage();
  if (current) storage?.setItem(KEY, JSON.stringify({ accessToken: current.token, refreshToken: current.refreshToken }));
  else storage?.removeItem(KEY);
  listeners.forEach((l) => l());
}

function onOtherTab(e: StorageEvent): void {
  if (e.key !== KEY && e.key !== null) return;
  current = readStoredSession();
  listeners.forEach((l) => l());
}

export function onSessionChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export const isManager = (s: Session | null) => s?.role === 'owner' || s?.role === 'admin';
