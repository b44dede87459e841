/**
 * The signed-in session: the access token (kept in localStorage, so every tab of this browser
 * shares it) and what its claims say about the user. The token is the API's; the dashboard only
 * reads its role and ids to decide what to show (the API checks every call anyway).
 */
export type Role = 'owner' | 'admin' | 'agent' | 'operator';

export interface Session {
  token: string;
  userId: string;
  tenantId: string;
  role: Role;
  expiresAt: number;
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

export function sessionFromToken(token: string): Session | null {
  const c = decodeClaims(token);
  if (!c || typeof c.sub !== 'string' || typeof c.role !== 'string') return null;
  return {
    token,
    userId: c.sub,
    tenantId: String(c.tid ?? ''),
    role: c.role as Role,
    expiresAt: typeof c.exp === 'number' ? c.exp * 1000 : Number.POSITIVE_INFINITY,
  };
}

let current: Session | null = null;
let loaded = false;

export function getSession(): Session | null {
  if (!loaded) {
    loaded = true;
    const token = safeStorage()?.getItem(KEY);
    current = token ? sessionFromToken(token) : null;
  }
  if (current && current.expiresAt <= Date.now()) setToken(null);
  return current;
}

export function setToken(token: string | null): void {
  current = token ? sessionFromToken(token) : null;
  loaded = true;
  const storage = safeStorage();
  if (current) storage?.setItem(KEY, current.token);
  else storage?.removeItem(KEY);
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
