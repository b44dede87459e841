import type { Channel, Conversation, Page } from '../src/api/types';

const HOUR = 3600_000;
export const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
export { HOUR };

export function channel(kind: Channel['kind'], over: Partial<Channel> = {}): Channel {
  return {
    id: `00000000-0000-4000-8000-0000000000${kind.length.toString().padStart(2, '0')}`,
    kind,
    name: `${kind} channel`,
    status: 'active',
    config: {},
    revokedAt: null,
    revokedReason: null,
    disconnectedAt: null,
    purgeAfter: null,
    createdAt: ago(1000 * HOUR),
    updatedAt: ago(1000 * HOUR),
    ...over,
  };
}

let n = 0;
export function conversation(over: Partial<Conversation> = {}): Conversation {
  n++;
  return {
    id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    contactId: `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    channelId: channel('whatsapp').id,
    status: 'open',
    assigneeId: null,
    lastMessageAt: ago(HOUR),
    lastInboundAt: ago(HOUR),
    createdAt: ago(2 * HOUR),
    updatedAt: ago(HOUR),
    ...over,
  };
}

export const page = <T>(items: T[]): Page<T> => ({ items, nextCursor: null });

/** Answers the dashboard's API calls from a table of handlers by method and path; records every call. */
export function stubApi(routes: Record<string, (req: Request) => unknown>) {
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  /** Every call's method, path and query string, as sent. */
  const urls: string[] = [];
  const fetchStub = jest.fn(async (input: Request | string, init?: RequestInit) => {
    const req = typeof input === 'string' ? new Request(new URL(input, location.origin), init) : input;
    const url = new URL(req.url);
    const text = req.method === 'GET' ? '' : await req.clone().text();
    calls.push({ method: req.method, path: url.pathname, body: text ? JSON.parse(text) : undefined });
    urls.push(`${req.method} ${url.pathname}${url.search}`);
    const handler = routes[`${req.method} ${url.pathname}`];
    if (!handler)
      return new Response(JSON.stringify({ statusCode: 404, code: 'NOT_FOUND', message: 'no stub' }), {
        status: 404,
        headers: { 'content-type': 'application/json' },
      });
    const body = handler(req);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  globalThis.fetch = fetchStub as unknown as typeof fetch;
  return { calls, urls, fetchStub };
}
