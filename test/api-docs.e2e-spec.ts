import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractViolation } from './support/api-contract';
import { TestApp } from './support/test-app';

describe('OpenAPI documentation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('describes the public contract at /docs-json', async () => {
    const res = await t.request('GET', '/docs-json');
    expect(res.status).toBe(200);
    const ops = Object.entries(res.body.paths as Record<string, object>).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ops).toEqual(
      expect.arrayContaining([
        'POST /api/auth/signup',
        'POST /api/auth/login',
        'POST /api/users',
        'GET /api/conversations',
        'GET /api/conversations/{id}',
        'PATCH /api/conversations/{id}',
        'GET /api/conversations/{id}/messages',
        'POST /api/conversations/{id}/messages',
        'POST /api/conversations/{id}/notes',
        'GET /api/contacts/{id}',
        'GET /health',
      ]),
    );
    expect(res.body.components.schemas.SignupDto.required).toEqual(expect.arrayContaining(['organizationName', 'email', 'password']));
  });

  it('serves at /docs-json exactly the committed openapi.json (npm run api:generate writes it)', async () => {
    const res = await t.request('GET', '/docs-json');
    expect(res.body).toEqual(JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')));
  });

  it('serves the error catalogue at /docs/errors, as docs/errors.md holds it', async () => {
    const res = await t.request('GET', '/docs/errors');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/markdown/);
    expect(res.body).toBe(readFileSync(join(__dirname, '..', 'docs', 'errors.md'), 'utf8'));
    expect(res.body).toContain('| `CONVERSATION_NOT_FOUND` | 404 |');
  });

  it('holds every answer to the document (the contract check TestApp.request runs)', () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const label = {
      id: '6b1f9d7e-1111-4111-8111-111111111111',
      name: 'vip',
      colour: '#ffffff',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    const url = `/api/labels/${label.id}`;
    expect(contractViolation('GET', url, 200, json, label)).toBeNull();
    expect(contractViolation('GET', url, 200, json, { ...label, tenantId: 'x' })).toMatch(/additional properties: tenantId/);
    expect(contractViolation('GET', url, 200, json, { ...label, createdAt: 5 })).toMatch(/\/createdAt must be string/);
    expect(contractViolation('GET', url, 200, json, { id: label.id })).toMatch(/required property 'name'/);
    expect(contractViolation('GET', url, 418, json, {})).toMatch(/lists no 418/);
    expect(contractViolation('GET', url, 404, json, { statusCode: 404, code: 'CONTACT_NOT_FOUND', message: 'x' })).toMatch(
      /code must be equal to one of the allowed values/,
    );
    expect(contractViolation('GET', url, 404, json, { statusCode: 404, code: 'LABEL_NOT_FOUND', message: 'x' })).toBeNull();
    expect(contractViolation('POST', '/webhooks/telegram/x', 200, json, { anything: 1 })).toBeNull();
  });

  it('serves the interactive page at /docs', async () => {
    const res = await t.request('GET', '/docs');
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain('swagger');
  });
});
