import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const SHOP = 'https://shop.example';
const PNG = (size = 2048) => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(size)]);
const PDF = () => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4096)]);
const HTML = () => Buffer.from('<!doctype html><html><script>alert(1)</script></html>');

/**
 * Files in web chat, both ways: a visitor attaches pictures and PDFs (what the channel allows,
 * typed by their bytes), an agent sees and downloads them, an agent's file reaches the visitor,
 * and every file is served only to the session whose conversation holds it.
 */
describe('Web chat files', () => {
  let t: TestApp;
  let base: string;
  let owner: TestTenant;
  let db: Client;
  let key: string;
  let ip = 0;

  async function http(method: string, path: string, headers: Record<string, string>, body?: Buffer | string) {
    const res = await fetch(base + path, { method, headers, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    let json: any;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, bytes, body: json };
  }

  /** A visitor's browser on the shop's site, with a session of its own. */
  async function visitor(channelKey = key) {
    const from = `198.51.100.${++ip}`;
    const headers = (token?: string) => ({ 'x-forwarded-for': from, origin: SHOP, ...(token ? { authorization: `Bearer ${token}` } : {}) });
    const started = await http('POST', `/webchat/${channelKey}/sessions`, { ...headers(), 'content-type': 'application/json' }, '{}');
    expect(started.status).toBe(201);
    const token: string = started.body.token;
    return {
      token,
      upload: (bytes: Buffer, fileName: string) => {
        const boundary = `----mm${randomBytes(8).toString('hex')}`;
        const body = Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
          bytes,
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]);
        return http('POST', `/webchat/${channelKey}/uploads`, { ...headers(token), 'content-type': `multipart/form-data; boundary=${boundary}` }, body);
      },
      send: (body: Record<string, unknown>) =>
        http(
          'POST',
          `/webchat/${channelKey}/messages`,
          { ...headers(token), 'content-type': 'application/json' },
          JSON.stringify({ clientMessageId: randomUUID(), ...body }),
        ),
      list: () => http('GET', `/webchat/${channelKey}/messages`, headers(token)),
      get: (path: string, as = token) => http('GET', path, headers(as)),
    };
  }

  const count = async (table: string) => (await db.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [owner.tenantId])).rows[0].n;

  beforeAll(async () => {
    t = await TestApp.start({ TRUST_PROXY: 'loopback' });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    owner = await t.signup();
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'webchat', name: 'Chat', config: { allowedOrigins: [SHOP] }, credentials: {} },
    });
    expect([res.status, res.body.message]).toEqual([201, undefined]);
    expect(res.body.config.allowedUploadTypes).toEqual(['image/*', 'application/pdf']);
    key = res.body.config.channelKey;
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('a visitor sends a photo and a PDF; the agent sees and downloads both; the visitor gets them back from their own session only', async () => {
    const v = await visitor();
    const photo = PNG();
    const pdf = PDF();
    const up1 = await v.upload(photo, 'me.png');
    const up2 = await v.upload(pdf, '../../etc/receipt.pdf');
    expect([up1.status, up1.body]).toEqual([201, { id: expect.any(String), fileName: 'me.png', mimeType: 'image/png', size: photo.length }]);
    expect(up2.body).toMatchObject({ fileName: 'receipt.pdf', mimeType: 'application/pdf' });

    expect((await v.send({ text: 'here you go', attachments: [{ uploadId: up1.body.id }, { uploadId: up2.body.id }] })).status).toBe(202);
    await t.drainInbound();
    const conversation = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items[0];
    const [message] = (await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token })).body.items;
    expect(message).toMatchObject({ direction: 'inbound', text: 'here you go' });
    expect(message.attachments).toEqual([
      expect.objectContaining({ type: 'image', name: 'me.png', mimeType: 'image/png', size: photo.length }),
      expect.objectContaining({ type: 'file', name: 'receipt.pdf', mimeType: 'application/pdf', size: pdf.length }),
    ]);
    const agentCopy = await t.app.inject({
      method: 'GET',
      url: `/api/conversations/${conversation.id}/messages/${message.id}/attachments/0`,
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(Buffer.compare(agentCopy.rawPayload, photo)).toBe(0);
    // The files now belong to the message: they go with it, whatever deletes it.
    const claimed = await db.query(`select message_id from uploads where tenant_id = $1 and id = any($2::uuid[])`, [
      owner.tenantId,
      [up1.body.id, up2.body.id],
    ]);
    expect(claimed.rows.map((r) => r.message_id)).toEqual([message.id, message.id]);

    const listed = (await v.list()).body.items.find((m: any) => m.id === message.id);
    expect(listed.attachments.map((a: any) => a.url)).toEqual([0, 1].map((i) => `/webchat/${key}/messages/${message.id}/attachments/${i}`));
    expect(JSON.stringify(listed)).not.toContain(up1.body.id);
    const back = await v.get(listed.attachments[0].url);
    expect([back.status, back.headers.get('content-type'), back.headers.get('x-content-type-options')]).toEqual([200, 'image/png', 'nosniff']);
    expect(Buffer.compare(back.bytes, photo)).toBe(0);
    expect((await v.get(listed.attachments[1].url)).headers.get('content-disposition')).toMatch(/^attachment;/);

    const stranger = await visitor();
    for (const path of [
      listed.attachments[0].url,
      `/webchat/${key}/messages/${message.id}/attachments/7`,
      `/webchat/${key}/messages/not-an-id/attachments/0`,
    ]) {
      const r = await stranger.get(path);
      expect([path, r.status, r.body?.code]).toEqual([path, 404, 'ATTACHMENT_NOT_FOUND']);
    }
    expect((await v.get(listed.attachments[0].url, 'not-a-token')).body.code).toBe('SESSION_NOT_FOUND');
    // Another session's file, or one already sent, cannot be named.
    const theirs = await stranger.upload(PNG(), 'x.png');
    expect((await v.send({ attachments: [{ uploadId: theirs.body.id }] })).body.code).toBe('UPLOAD_NOT_FOUND');
    expect((await v.send({ attachments: [{ uploadId: up1.body.id }] })).body.code).toBe('UPLOAD_ALREADY_SENT');
    expect((await v.send({})).body.code).toBe('EMPTY_MESSAGE');
  });

  it('refuses types the channel does not take (by their bytes), oversize files, and any file where uploads are off', async () => {
    const v = await visitor();
    const [uploads, blobs] = [await count('uploads'), await count('media_blobs')];
    const html = await v.upload(HTML(), 'cute-cat.png');
    expect([html.status, html.body.code]).toEqual([422, 'UPLOAD_TYPE_NOT_ALLOWED']);
    const big = await v.upload(PNG(10 * 1024 * 1024), 'huge.png');
    expect([big.status, big.body.code]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    expect([await count('uploads'), await count('media_blobs')]).toEqual([uploads, blobs]);
    const json = await http('POST', `/webchat/${key}/uploads`, { origin: SHOP, authorization: `Bearer ${v.token}`, 'content-type': 'application/json' }, '{}');
    expect(json.status).toBe(415);

    const off = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'webchat', name: 'No files', config: { allowedOrigins: [SHOP], allowedUploadTypes: [] }, credentials: {} },
    });
    const closed = await visitor(off.body.config.channelKey);
    const refused = await closed.upload(PNG(), 'a.png');
    expect([refused.status, refused.body.code]).toEqual([403, 'UPLOADS_OFF']);
    const bad = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'webchat', name: 'Bad', config: { allowedOrigins: [SHOP], allowedUploadTypes: ['*/*'] }, credentials: {} },
    });
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it("an agent's file reaches the visitor, and erasing the visitor takes their files, sent or not", async () => {
    const v = await visitor();
    const mine = await v.upload(PDF(), 'contract.pdf');
    await v.send({ text: 'contract attached', attachments: [{ uploadId: mine.body.id }] });
    const unsent = await v.upload(PNG(), 'later.png');
    await t.drainInbound();
    const conversation = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items.find(
      (c: any) => c.lastMessage?.text === 'contract attached',
    );
    const reply = PNG();
    const upload = await t.upload(owner.token, reply, { fileName: 'signed.png' });
    expect(
      (
        await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
          token: owner.token,
          body: { text: 'signed', attachments: [{ uploadId: upload.body.id }] },
        })
      ).status,
    ).toBe(202);
    await t.drainOutbound();
    const fromAgent = (await v.list()).body.items.find((m: any) => m.from === 'agent');
    expect(fromAgent).toMatchObject({ text: 'signed', attachments: [{ type: 'image', name: 'signed.png', url: expect.stringMatching(/^\/webchat\//) }] });
    expect(Buffer.compare((await v.get(fromAgent.attachments[0].url)).bytes, reply)).toBe(0);

    const erased = await t.request('DELETE', `/api/contacts/${conversation.contactId}`, { token: owner.token });
    expect(erased.status).toBe(200);
    const left = await db.query(`select id from uploads where tenant_id = $1 and id = any($2::uuid[])`, [
      owner.tenantId,
      [mine.body.id, unsent.body.id, upload.body.id],
    ]);
    expect(left.rows).toEqual([]);
  });
});
