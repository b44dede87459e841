import { createHash, randomBytes } from 'node:crypto';
import { ClientRequest, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import { UploadIntake } from '../src/media/upload-intake';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const PNG = (size: number) => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(size)]);

interface Sending {
  /** The answer, once the app gives it. */
  answer: Promise<{ status: number; body: any }>;
  /** Whether the answer has come. */
  answered(): boolean;
  /** Sends the rest of the body. */
  finish(): void;
  /** The client gives up (closes its connection). */
  abort(): void;
}

/**
 * Uploads over real HTTP: an upload over MEDIA_UPLOADS_AT_ONCE waits (its body unread) and then
 * succeeds; a client that stalls stops holding its turn after MEDIA_UPLOAD_TURN_SECONDS; a client
 * that gives up while waiting does not take a turn.
 */
describe('uploads: turns', () => {
  let db: Client;
  beforeAll(async () => {
    db = await ownerClient('eu');
  });
  afterAll(() => db.end());

  async function listening(env: Record<string, string>) {
    const t = await TestApp.start(env);
    await t.app.listen(0, '127.0.0.1');
    return { t, port: (t.app.getHttpServer().address() as AddressInfo).port };
  }

  /** POST /api/uploads with `bytes`; only the first `sentFirst` bytes of the file go out until finish(). */
  function send(port: number, token: string, bytes: Buffer, sentFirst = bytes.length): Sending {
    const boundary = `----mm${randomBytes(8).toString('hex')}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.png"\r\nContent-Type: image/png\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    let req!: ClientRequest;
    let done = false;
    const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
      req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/uploads',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': head.length + bytes.length + tail.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            done = true;
            resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
          });
        },
      );
      req.on('error', reject);
    });
    req.write(head);
    req.write(bytes.subarray(0, sentFirst));
    if (sentFirst === bytes.length) req.end(tail);
    return {
      answer,
      answered: () => done,
      finish: () => req.end(Buffer.concat([bytes.subarray(sentFirst), tail])),
      abort: () => req.destroy(),
    };
  }

  async function until(what: string, check: () => Promise<boolean> | boolean) {
    for (let i = 0; i < 500; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`never: ${what}`);
  }

  /** The upload has its turn: its store has begun the blob (pending until its last byte). */
  const reading = (tenant: TestTenant) => async () =>
    (await db.query(`select 1 from media_blobs where tenant_id = $1 and stored_at is null`, [tenant.tenantId])).rowCount === 1;

  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  describe('one upload at a time, turns never overdue in a test', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => ({ t, port } = await listening({ MEDIA_UPLOADS_AT_ONCE: '1', MEDIA_UPLOAD_TURN_SECONDS: '3600' })));
    afterAll(() => t.close());

    it('an upload over the limit waits, unread, until the one reading ends, then succeeds', async () => {
      const [a, b] = [await t.signup(), await t.signup()];
      const first = PNG(600 * 1024);
      const second = PNG(300 * 1024);
      const holding = send(port, a.token, first, 100 * 1024);
      await until('the first upload reads', reading(a));
      const waiting = send(port, b.token, second);
      await until('the second upload waits', () => t.app.get(UploadIntake).waiting === 1);
      // Its body is not parsed while it waits: nothing of it is stored yet.
      expect((await db.query(`select 1 from media_blobs where tenant_id = $1`, [b.tenantId])).rowCount).toBe(0);
      expect(waiting.answered()).toBe(false);

      holding.finish();
      const [x, y] = await Promise.all([holding.answer, waiting.answer]);
      expect([x.status, x.body.sha256]).toEqual([201, sha256(first)]);
      expect([y.status, y.body.sha256]).toEqual([201, sha256(second)]);
      expect(t.app.get(UploadIntake).waiting).toBe(0);
    });

    it('a client that gives up while waiting takes no turn: the next upload goes through', async () => {
      const [a, b, c] = [await t.signup(), await t.signup(), await t.signup()];
      const first = PNG(600 * 1024);
      const holding = send(port, a.token, first, 100 * 1024);
      await until('the first upload reads', reading(a));
      const leaving = send(port, b.token, PNG(300 * 1024), 1024);
      leaving.answer.catch(() => undefined);
      await until('the second upload waits', () => t.app.get(UploadIntake).waiting === 1);
      leaving.abort();

      holding.finish();
      expect((await holding.answer).status).toBe(201);
      const third = PNG(300 * 1024);
      const next = await send(port, c.token, third).answer;
      expect([next.status, next.body.sha256]).toEqual([201, sha256(third)]);
      expect((await db.query(`select 1 from media_blobs where tenant_id = $1`, [b.tenantId])).rowCount).toBe(0);
    });
  });

  describe('one upload at a time, a turn overdue after 1 s', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => ({ t, port } = await listening({ MEDIA_UPLOADS_AT_ONCE: '1', MEDIA_UPLOAD_TURN_SECONDS: '1' })));
    afterAll(() => t.close());

    it('a stalled client does not hold the others back past its turn, and still succeeds when it sends the rest', async () => {
      const [a, b] = [await t.signup(), await t.signup()];
      const stalled = PNG(600 * 1024);
      const slow = send(port, a.token, stalled, 100 * 1024);
      await until('the stalled upload reads', reading(a));
      const other = PNG(300 * 1024);
      const quick = await send(port, b.token, other).answer;
      expect([quick.status, quick.body.sha256]).toEqual([201, sha256(other)]);
      expect(slow.answered()).toBe(false);

      slow.finish();
      const late = await slow.answer;
      expect([late.status, late.body.sha256]).toEqual([201, sha256(stalled)]);
    });
  });
});
