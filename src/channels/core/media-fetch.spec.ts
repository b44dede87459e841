import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import { MediaFetchFailure, fetchMediaUrl } from './media-fetch';

/** A loopback server answering every request with `answer`, recording the headers it got. */
async function server(answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string }) {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const s: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const a = answer(req.url ?? '');
    res.writeHead(a.status, a.headers ?? {});
    res.end(a.body ?? '');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  return { url, seen, stop: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

async function read(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString();
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: MediaFetchFailure) => ({ reason: err.reason }),
  );

/** URLs platforms hand over are fetched like any URL from outside: public addresses only, credentials never to another origin. */
describe('fetchMediaUrl', () => {
  it('refuses loopback and private addresses, and plain http, unless local targets are allowed', async () => {
    const s = await server(() => ({ status: 200, body: 'bytes' }));
    try {
      expect(await failure(fetchMediaUrl(`${s.url}/f`, { allowLocal: false, what: 'test' }))).toEqual({ reason: 'failed' });
      expect(await failure(fetchMediaUrl('https://10.0.0.8/f', { allowLocal: false, what: 'test' }))).toEqual({ reason: 'failed' });
      expect(await failure(fetchMediaUrl('ftp://example.com/f', { allowLocal: true, what: 'test' }))).toEqual({ reason: 'failed' });
      expect(s.seen).toHaveLength(0);
      expect(await read((await fetchMediaUrl(`${s.url}/f`, { allowLocal: true, what: 'test' })).stream)).toBe('bytes');
    } finally {
      await s.stop();
    }
  });

  it('follows a redirect to another origin without the credentials, and says what a failure means', async () => {
    const storage = await server((path) =>
      path === '/gone' ? { status: 404 } : path === '/busy' ? { status: 503 } : { status: 200, headers: { 'content-length': '12' }, body: 'stored bytes' },
    );
    const api = await server((path) => ({ status: 307, headers: { location: `${storage.url}${path}` } }));
    try {
      const fetched = await fetchMediaUrl(`${api.url}/media`, { allowLocal: true, headers: { authorization: 'Basic c2VjcmV0' }, what: 'test' });
      expect(await read(fetched.stream)).toBe('stored bytes');
      expect(fetched.length).toBe('stored bytes'.length);
      expect(api.seen[0].headers.authorization).toBe('Basic c2VjcmV0');
      expect(storage.seen[0].headers.authorization).toBeUndefined();

      expect(await failure(fetchMediaUrl(`${api.url}/gone`, { allowLocal: true, what: 'test' }))).toEqual({ reason: 'not_found' });
      expect(await failure(fetchMediaUrl(`${api.url}/busy`, { allowLocal: true, what: 'test' }))).toEqual({ reason: 'retryable' });
    } finally {
      await Promise.all([api.stop(), storage.stop()]);
    }
  });
});
