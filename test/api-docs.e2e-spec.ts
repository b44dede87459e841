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

  it('serves the interactive page at /docs', async () => {
    const res = await t.request('GET', '/docs');
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain('swagger');
  });
});
