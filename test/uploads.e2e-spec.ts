import type { Client } from 'pg';
import { createHash } from 'node:crypto';
import { TestApp, ownerClient } from './support/test-app';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR fake picture bytes')]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');

/** POST /api/uploads: streamed into the tenant's region database, typed by its bytes, served safely. */
describe('uploads', () => {
  let t: TestApp;
  let eu: Client;
  beforeAll(async () => {
    t = await TestApp.start({ MEDIA_MAX_UPLOAD_BYTES: String(1024 * 1024) });
    eu = await ownerClient('eu');
  });
  afterAll(async () => {
    await eu.end();
    await t.close();
  });

  const content = (token: string, id: string) =>
    t.app.inject({ method: 'GET', url: `/api/uploads/${id}/content`, headers: { authorization: `Bearer ${token}` } });

  it('stores a file in chunks, sniffs its type from the bytes and streams it back', async () => {
    const owner = await t.signup();
    // Larger than one chunk, so it is stored as several rows and read back in order.
    const big = Buffer.concat([PNG, Buffer.alloc(600 * 1024, 7)]);
    const res = await t.upload(owner.token, big, { fileName: 'C:\\photos\\holiday.png', contentType: 'text/html' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      fileName: 'holiday.png',
      mimeType: 'image/png',
      size: big.length,
      sha256: createHash('sha256').update(big).digest('hex'),
      messageId: null,
      createdAt: expect.any(String),
    });
    const { rows } = await eu.query(`select count(*)::int as n from media_chunks where tenant_id = $1`, [owner.tenantId]);
    expect(rows[0].n).toBe(3);

    const got = await content(owner.token, res.body.id);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['content-disposition']).toBe("inline; filename*=UTF-8''holiday.png");
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.rawPayload.equals(big)).toBe(true);
    expect((await t.request('GET', `/api/uploads/${res.body.id}`, { token: owner.token })).body).toEqual(res.body);
  });

  it('keeps the same bytes once per tenant', async () => {
    const owner = await t.signup();
    const a = await t.upload(owner.token, PDF, { fileName: 'a.pdf' });
    const b = await t.upload(owner.token, PDF, { fileName: 'b.pdf' });
    expect(a.body.id).not.toBe(b.body.id);
    expect(b.body.mimeType).toBe('application/pdf');
    const { rows } = await eu.query(`select count(*)::int as n from media_blobs where tenant_id = $1`, [owner.tenantId]);
    expect(rows[0].n).toBe(1);
    // A PDF is not shown inline: it is a download.
    expect((await content(owner.token, b.body.id)).headers['content-disposition']).toBe("attachment; filename*=UTF-8''b.pdf");
  });

  it('serves HTML and SVG only as downloads, under a sandboxing policy', async () => {
    const owner = await t.signup();
    for (const [bytes, name, type] of [
      [Buffer.from('<!doctype html><script>alert(document.cookie)</script>'), 'x.jpg', 'text/html'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'x.svg', 'image/svg+xml'],
    ] as const) {
      const up = await t.upload(owner.token, bytes, { fileName: name, contentType: 'image/jpeg' });
      expect(up.body.mimeType).toBe(type);
      const got = await content(owner.token, up.body.id);
      expect(got.headers['content-type']).toMatch(new RegExp(`^${type.replace('+', '\\+')}`));
      expect(got.headers['content-disposition']).toBe(`attachment; filename*=UTF-8''${name}`);
      expect(got.headers['x-content-type-options']).toBe('nosniff');
      expect(got.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    }
  });

  it('refuses an oversize file with 413 UPLOAD_TOO_LARGE and keeps nothing of it', async () => {
    const owner = await t.signup();
    const res = await t.upload(owner.token, Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('UPLOAD_TOO_LARGE');
    const { rows } = await eu.query(
      `select (select count(*) from media_blobs where tenant_id = $1)::int + (select count(*) from media_chunks where tenant_id = $1)::int as n`,
      [owner.tenantId],
    );
    expect(rows[0].n).toBe(0);
  });

  it("refuses past the tenant's quota with 413 MEDIA_QUOTA_EXCEEDED", async () => {
    const owner = await t.signup();
    await eu.query(`update tenants set media_quota_bytes = 1000 where tenant_id = $1`, [owner.tenantId]);
    expect((await t.upload(owner.token, Buffer.alloc(600, 1))).status).toBe(201);
    const res = await t.upload(owner.token, Buffer.alloc(600, 2));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('MEDIA_QUOTA_EXCEEDED');
  });

  it('refuses empty files, missing parts and non-multipart bodies with a code', async () => {
    const owner = await t.signup();
    expect((await t.upload(owner.token, Buffer.alloc(0))).body.code).toBe('UPLOAD_EMPTY');
    expect((await t.upload(owner.token, PNG, { field: 'other' })).body.code).toBe('UPLOAD_FILE_REQUIRED');
    const json = await t.request('POST', '/api/uploads', { token: owner.token, body: { file: 'x' } });
    expect(json.status).toBe(400);
    expect(json.body.code).toBe('UPLOAD_FILE_REQUIRED');
    expect((await t.upload(owner.token, PNG, { query: 'channelId=8b0f8f5e-8c5e-4f7e-9a43-3d7b0f9b1c11' })).body.code).toBe('CHANNEL_NOT_FOUND');
  });

  it("answers 404 for another tenant's upload", async () => {
    const owner = await t.signup();
    const other = await t.signup();
    const up = await t.upload(owner.token, PNG);
    expect((await t.request('GET', `/api/uploads/${up.body.id}`, { token: other.token })).body.code).toBe('UPLOAD_NOT_FOUND');
    const got = await content(other.token, up.body.id);
    expect(got.statusCode).toBe(404);
    expect(JSON.parse(got.body).code).toBe('UPLOAD_NOT_FOUND');
  });
});
