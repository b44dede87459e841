import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SseConnection, SseConnections } from './sse-connections.service';

/** A hijackable reply whose raw response records each write (a write is one chunk on the socket). */
function fakeStream() {
  const writes: string[] = [];
  const raw = Object.assign(new EventEmitter(), {
    writableLength: 0,
    writableEnded: false,
    writeHead: () => undefined,
    write: (chunk: string) => writes.push(chunk) > 0,
    end: () => {
      raw.writableEnded = true;
    },
  });
  const reply = { getHeaders: () => ({}), hijack: () => undefined, raw } as unknown as FastifyReply;
  const req = { raw: new EventEmitter() } as unknown as FastifyRequest;
  return { req, reply, raw, writes };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SseConnection', () => {
  const sse = new SseConnections();
  afterAll(() => sse.beforeApplicationShutdown());

  it('sends the frames written in one turn as one write, in order, and the next turn in another', async () => {
    const s = fakeStream();
    const conn = sse.start(s.req, s.reply);
    s.writes.length = 0;
    const frames = [1, 2, 3].map((n) => SseConnection.format({ id: `e-${n}`, event: 'message.created', data: { n } }));
    frames.forEach((f) => conn.sendFrame(f));
    conn.send({ id: 'e-4', data: { n: 4 } });
    expect(s.writes).toEqual([]);
    await turn();
    expect(s.writes).toEqual([frames.join('') + SseConnection.format({ id: 'e-4', data: { n: 4 } })]);
    conn.comment('ping');
    await turn();
    expect(s.writes).toHaveLength(2);
    expect(s.writes[1]).toBe(': ping\n\n');
    await turn();
    expect(s.writes).toHaveLength(2);
  });

  it('sends what a run of code wrote as soon as it ends, before the callbacks already due in the event loop', async () => {
    const s = fakeStream();
    const conn = sse.start(s.req, s.reply);
    s.writes.length = 0;
    const seenByDueCallback: string[][] = [];
    setImmediate(() => seenByDueCallback.push([...s.writes]));
    conn.sendFrame('data: 1\n\n');
    conn.sendFrame('data: 2\n\n');
    expect(s.writes).toEqual([]);
    await turn();
    expect(seenByDueCallback).toEqual([['data: 1\n\ndata: 2\n\n']]);
    expect(s.writes).toEqual(['data: 1\n\ndata: 2\n\n']);
  });

  it('sends what a cascade of promise continuations wrote as one write (the streams an answer releases)', async () => {
    const s = fakeStream();
    const conn = sse.start(s.req, s.reply);
    s.writes.length = 0;
    await Promise.resolve()
      .then(() => conn.sendFrame('data: 1\n\n'))
      .then(() => conn.sendFrame('data: 2\n\n'))
      .then(() => conn.sendFrame('data: 3\n\n'));
    await turn();
    expect(s.writes).toEqual(['data: 1\n\ndata: 2\n\ndata: 3\n\n']);
  });

  it('keeps the streams apart: each gets its own frames in its own write', async () => {
    const [a, b] = [fakeStream(), fakeStream()];
    const [ca, cb] = [sse.start(a.req, a.reply), sse.start(b.req, b.reply)];
    a.writes.length = b.writes.length = 0;
    ca.sendFrame('data: a\n\n');
    cb.sendFrame('data: b\n\n');
    ca.sendFrame('data: a2\n\n');
    await turn();
    expect(a.writes).toEqual(['data: a\n\ndata: a2\n\n']);
    expect(b.writes).toEqual(['data: b\n\n']);
  });

  it('sends what the turn wrote before ending the stream, and nothing once it is closed', async () => {
    const s = fakeStream();
    const conn = sse.start(s.req, s.reply);
    s.writes.length = 0;
    conn.sendFrame('data: last\n\n');
    conn.reconnectIn(1000);
    expect(s.writes).toEqual(['data: last\n\nretry: 1000\n\n']);
    expect(s.raw.writableEnded).toBe(true);
    conn.sendFrame('data: too late\n\n');
    await turn();
    expect(s.writes).toHaveLength(1);
  });

  it('drops a client whose backlog grew past the bound instead of buffering more', async () => {
    const s = fakeStream();
    const conn = sse.start(s.req, s.reply);
    s.writes.length = 0;
    s.raw.writableLength = 2 * 1024 * 1024;
    conn.sendFrame('data: x\n\n');
    expect(conn.isClosed).toBe(true);
    await turn();
    expect(s.writes).toEqual([]);
  });
});
