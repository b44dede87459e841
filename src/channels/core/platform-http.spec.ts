import { type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { DeliveryFailure } from '../../../libs/domain/src';
import { MAX_ANSWER_BYTES, PlatformHttpClient } from './platform-http';

interface Seen {
  method?: string;
  path?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback server: `answer` decides per request; records what it got and how many connections were opened. */
async function server(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  let connections = 0;
  const s: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method, path: req.url, headers: req.headers, body });
      answer(req, res, body);
    });
  });
  s.on('connection', () => connections++);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  return {
    url,
    seen,
    connections: () => connections,
    stop: () => {
      s.closeAllConnections();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: DeliveryFailure) => ({ type: err.constructor.name, kind: err.kind, code: err.platformCode, text: err.platformText }),
  );

describe('PlatformHttpClient', () => {
  it('sends method, path, headers and a JSON body, and reads status, JSON body and headers; calls share a kept-alive socket', async () => {
    const s = await server((_req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': String(Buffer.byteLength(body)) });
      res.end(JSON.stringify({ id: 'm1', got: JSON.parse(body) }));
    });
    try {
      const http = new PlatformHttpClient('Test API');
      for (let i = 0; i < 3; i++) {
        const res = await http.request<{ id: string; got: unknown }>(`${s.url}/v1/page/messages?x=1`, {
          method: 'POST',
          headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
          body: JSON.stringify({ text: `héllo ${i}` }),
        });
        expect(res).toMatchObject({ status: 200, ok: true, body: { id: 'm1', got: { text: `héllo ${i}` } } });
        expect(res.headers['x-echo']).toBe(String(Buffer.byteLength(s.seen[i].body)));
      }
      expect(s.seen[0]).toMatchObject({ method: 'POST', path: '/v1/page/messages?x=1', body: '{"text":"héllo 0"}' });
      expect(s.seen[0].headers).toMatchObject({ authorization: 'Bearer tok', 'content-type': 'application/json', 'content-length': '19' });
      expect(s.connections()).toBe(1);
    } finally {
      await s.stop();
    }
  });

  it('answers an error status with its body and Retry-After; a body that is not JSON reads as undefined', async () => {
    const s = await server((req, res) => {
      if (req.url === '/limited') {
        res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
        res.end('{"error":{"code":613}}');
      } else {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>Bad gateway</html>');
      }
    });
    try {
      const http = new PlatformHttpClient('Test API');
      const limited = await http.request(`${s.url}/limited`, { method: 'GET' });
      expect(limited).toMatchObject({ status: 429, ok: false, body: { error: { code: 613 } } });
      expect(limited.headers['retry-after']).toBe('7');
      expect(await http.request(`${s.url}/down`, { method: 'GET' })).toMatchObject({ status: 502, ok: false, body: undefined });
      expect(s.seen.map((r) => [r.method, r.body])).toEqual([
        ['GET', ''],
        ['GET', ''],
      ]);
    } finally {
      await s.stop();
    }
  });

  it('streams an upload body as it is read, with the length the caller gave', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    try {
      async function* parts(): AsyncIterable<Uint8Array> {
        yield Buffer.from('--b\r\n');
        yield new Uint8Array(Buffer.from('bytes'));
        yield Buffer.from('\r\n--b--\r\n');
      }
      const res = await new PlatformHttpClient('Test API').request(`${s.url}/upload`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=b', 'content-length': '19' },
        body: parts(),
      });
      expect(res).toMatchObject({ status: 200, body: { ok: true } });
      expect(s.seen[0]).toMatchObject({ body: '--b\r\nbytes\r\n--b--\r\n', headers: { 'content-length': '19' } });
    } finally {
      await s.stop();
    }
  });

  it('a platform that does not answer in time is a retryable timeout, named after the platform, never with the URL', async () => {
    const s = await server(() => undefined);
    try {
      const started = Date.now();
      expect(await failure(new PlatformHttpClient('Test API', 200).request(`${s.url}/botSECRET/send`, { method: 'POST', body: '{}' }))).toEqual({
        type: 'DeliveryFailure',
        kind: 'retryable',
        code: 'NETWORK',
        text: 'Test API timed out',
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await s.stop();
    }
  });

  it('a platform that keeps sending a byte now and then is cut off at four idle timeouts, a retryable timeout', async () => {
    const drips: NodeJS.Timeout[] = [];
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      // A byte every 50 ms: never idle for the 200 ms timeout, never done.
      drips.push(setInterval(() => res.write(' '), 50));
    });
    try {
      const started = Date.now();
      expect(await failure(new PlatformHttpClient('Test API', 200).request(`${s.url}/drip`, { method: 'GET' }))).toEqual({
        type: 'DeliveryFailure',
        kind: 'retryable',
        code: 'NETWORK',
        text: 'Test API timed out',
      });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(790);
      expect(took).toBeLessThan(5_000);
    } finally {
      drips.forEach(clearInterval);
      await s.stop();
    }
  });

  it('an answer over MAX_ANSWER_BYTES is cut off unread, a retryable failure that says so; one at the limit is read', async () => {
    const s = await server((req, res) => {
      const size = req.url === '/huge' ? MAX_ANSWER_BYTES + 1 : MAX_ANSWER_BYTES;
      res.writeHead(200, { 'content-type': 'application/json' });
      // A JSON string of `size` bytes in 64 KiB pieces.
      const piece = Buffer.alloc(64 * 1024, 'a');
      res.write('"');
      let left = size - 2;
      const more = () => {
        while (left > 0) {
          const n = Math.min(left, piece.length);
          left -= n;
          if (!res.write(piece.subarray(0, n))) return void res.once('drain', more);
        }
        res.end('"');
      };
      more();
    });
    try {
      const http = new PlatformHttpClient('Test API');
      expect(await failure(http.request(`${s.url}/huge`, { method: 'GET' }))).toEqual({
        type: 'DeliveryFailure',
        kind: 'retryable',
        code: 'NETWORK',
        text: `Test API answered more than ${MAX_ANSWER_BYTES} bytes`,
      });
      const atLimit = await http.request<string>(`${s.url}/limit`, { method: 'GET' });
      expect([atLimit.status, atLimit.body?.length]).toEqual([200, MAX_ANSWER_BYTES - 2]);
    } finally {
      await s.stop();
    }
  });

  it('a refused connection, a cut answer and a URL node cannot request are retryable "unreachable"', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setImmediate(() => res.socket?.destroy());
    });
    const closed = await server(() => undefined);
    await closed.stop();
    try {
      const http = new PlatformHttpClient('Test API');
      const unreachable = { type: 'DeliveryFailure', kind: 'retryable', code: 'NETWORK', text: 'Test API unreachable' };
      expect(await failure(http.request(`${closed.url}/x`, { method: 'GET' }))).toEqual(unreachable);
      expect(await failure(http.request(`${s.url}/x`, { method: 'GET' }))).toEqual(unreachable);
      expect(await failure(http.request('not a url/SECRET', { method: 'GET' }))).toEqual(unreachable);
    } finally {
      await s.stop();
    }
  });
});
