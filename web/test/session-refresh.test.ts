import { api, unwrap } from '../src/api/client';
import { freshAccessToken, signOut } from '../src/api/refresh';
import { getSession, setTokens } from '../src/api/session';

/** An access token whose claims say: agent, expiring `inSeconds` from now (the signature is the API's business). */
function accessToken(label: string, inSeconds: number): string {
  const claims = {
    sub: '30000000-0000-4000-8000-000000000001',
    tid: '40000000-0000-4000-8000-000000000001',
    role: 'agent',
    exp: Math.floor(Date.now() / 1000) + inSeconds,
    label,
  };
  return `e30.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.sig`;
}

interface Call {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

/**
 * A fake API: /api/auth/refresh trades `valid` refresh tokens (each once) for the next pair;
 * /api/channels answers 401 unless the bearer is one of the tokens it handed out, or `accepted`.
 */
function fakeApi(opts: { refresh: 'ok' | 'refused'; accepted?: string[] }) {
  const calls: Call[] = [];
  const issued = new Set(opts.accepted ?? []);
  let n = 0;
  globalThis.fetch = jest.fn(async (input: Request | string, init?: RequestInit) => {
    const req = typeof input === 'string' ? new Request(new URL(input, location.origin), init) : input;
    const path = new URL(req.url).pathname;
    const text = req.method === 'GET' ? '' : await req.clone().text();
    const body = text ? JSON.parse(text) : undefined;
    calls.push({ method: req.method, path, authorization: req.headers.get('authorization'), body });
    const json = (status: number, b: unknown) => new Response(JSON.stringify(b), { status, headers: { 'content-type': 'application/json' } });
    if (path === '/api/auth/refresh') {
      if (opts.refresh === 'refused') return json(401, { statusCode: 401, code: 'REFRESH_TOKEN_REUSED', message: 'reused' });
      n += 1;
      const next = accessToken(`renewed-${n}`, 900);
      issued.add(next);
      return json(200, { accessToken: next, refreshToken: `mmr_next_${n}`, expiresIn: 900 });
    }
    if (path === '/api/auth/logout') return new Response(null, { status: 204 });
    const bearer = req.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    if (!issued.has(bearer)) return json(401, { statusCode: 401, code: 'UNAUTHENTICATED', message: 'expired' });
    return json(200, { items: [] });
  }) as unknown as typeof fetch;
  return calls;
}

const listChannels = () => unwrap<{ items: unknown[] }>(api.GET('/api/channels'));
const bearerOf = (token: string) => `Bearer ${token}`;

describe('dashboard session: short-lived access tokens renewed with the refresh token', () => {
  beforeEach(() => {
    localStorage.clear();
    setTokens(null);
  });

  it('an expired access token with a refresh token is still a session (no sign-out after 15 minutes)', () => {
    setTokens({ accessToken: accessToken('old', -60), refreshToken: 'mmr_first' });
    expect(getSession()?.refreshToken).toBe('mmr_first');
  });

  it('renews before a request when the token is about to expire, then sends the new one', async () => {
    const calls = fakeApi({ refresh: 'ok' });
    setTokens({ accessToken: accessToken('old', 10), refreshToken: 'mmr_first' });
    await expect(listChannels()).resolves.toEqual({ items: [] });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/auth/refresh', 'GET /api/channels']);
    expect(calls[0].body).toEqual({ refreshToken: 'mmr_first' });
    expect(calls[0].authorization).toBeNull();
    expect(calls[1].authorization).toBe(bearerOf(getSession()!.token));
    expect(JSON.parse(localStorage.getItem('mm.session')!)).toMatchObject({ refreshToken: 'mmr_next_1' });
  });

  it('requests that leave together share one renewal (a refresh token is single use)', async () => {
    const calls = fakeApi({ refresh: 'ok' });
    setTokens({ accessToken: accessToken('old', 5), refreshToken: 'mmr_first' });
    await Promise.all([listChannels(), listChannels(), listChannels()]);
    expect(calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1);
    expect(calls.filter((c) => c.path === '/api/channels').map((c) => c.authorization)).toEqual(Array(3).fill(bearerOf(getSession()!.token)));
  });

  it('a request refused with 401 is renewed and sent again once, and the caller gets the second answer', async () => {
    const calls = fakeApi({ refresh: 'ok' });
    setTokens({ accessToken: accessToken('revoked-early', 600), refreshToken: 'mmr_first' });
    await expect(listChannels()).resolves.toEqual({ items: [] });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/channels', 'POST /api/auth/refresh', 'GET /api/channels']);
    expect(getSession()?.refreshToken).toBe('mmr_next_1');
  });

  it('a refused renewal ends the session (back to sign-in)', async () => {
    const calls = fakeApi({ refresh: 'refused' });
    setTokens({ accessToken: accessToken('old', 600), refreshToken: 'mmr_stolen' });
    await expect(listChannels()).rejects.toMatchObject({ status: 401 });
    expect(calls.map((c) => c.path)).toEqual(['/api/channels', '/api/auth/refresh']);
    expect(getSession()).toBeNull();
    expect(localStorage.getItem('mm.session')).toBeNull();
  });

  it('adopts a pair another tab stored instead of spending the same refresh token twice', async () => {
    const calls = fakeApi({ refresh: 'ok' });
    setTokens({ accessToken: accessToken('old', 5), refreshToken: 'mmr_first' });
    getSession();
    const otherTabs = accessToken('other-tab', 900);
    localStorage.setItem('mm.session', JSON.stringify({ accessToken: otherTabs, refreshToken: 'mmr_other_tab' }));
    await expect(freshAccessToken()).resolves.toBe(otherTabs);
    expect(calls).toEqual([]);
    expect(getSession()?.refreshToken).toBe('mmr_other_tab');
  });

  it('signing out ends the session on the server with the refresh token', async () => {
    const calls = fakeApi({ refresh: 'ok' });
    setTokens({ accessToken: accessToken('current', 600), refreshToken: 'mmr_current' });
    await signOut();
    expect(calls).toEqual([{ method: 'POST', path: '/api/auth/logout', authorization: null, body: { refreshToken: 'mmr_current' } }]);
    expect(getSession()).toBeNull();
  });
});
