import { TestApp } from './support/test-app';

describe('signup, login and roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('signs up an organization whose owner can log in and see it', async () => {
    const owner = await t.signup({ organizationName: 'Acme Bakery' });
    expect(owner.region).toBe('eu');

    const login = await t.request('POST', '/api/auth/login', { body: { email: owner.email.toUpperCase(), password: owner.password } });
    expect(login.status).toBe(200);
    const tenant = await t.request('GET', '/api/tenant', { token: login.body.accessToken });
    expect(tenant.body).toMatchObject({ id: owner.tenantId, name: 'Acme Bakery', region: 'eu' });
  });

  it('refuses a wrong password and an unknown address alike', async () => {
    const owner = await t.signup();
    const wrong = await t.request('POST', '/api/auth/login', { body: { email: owner.email, password: 'not the password' } });
    const unknown = await t.request('POST', '/api/auth/login', { body: { email: 'nobody@example.test', password: owner.password } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ statusCode: 401, code: 'INVALID_CREDENTIALS', message: expect.any(String) });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('refuses a second account with the same address, in any case', async () => {
    const owner = await t.signup();
    const again = await t.request('POST', '/api/auth/signup', {
      body: { organizationName: 'Copycat', email: owner.email.toUpperCase(), password: 'a long enough password' },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('EMAIL_TAKEN');
  });

  it('refuses an unknown region', async () => {
    const res = await t.request('POST', '/api/auth/signup', {
      body: { organizationName: 'Far away', email: 'far@example.test', password: 'a long enough password', region: 'mars' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('UNKNOWN_REGION');
  });

  it('lets owners and admins create users, within their powers', async () => {
    const owner = await t.signup();
    const admin = await t.addUser(owner, 'admin');
    const agent = await t.addUser(admin, 'agent');

    const adminMintsAdmin = await t.request('POST', '/api/users', {
      token: admin.token,
      body: { email: 'x-admin@example.test', password: 'a long enough password', role: 'admin' },
    });
    expect(adminMintsAdmin.status).toBe(403);
    expect(adminMintsAdmin.body.code).toBe('ROLE_NOT_ALLOWED');

    const agentCreates = await t.request('POST', '/api/users', {
      token: agent.token,
      body: { email: 'x-agent@example.test', password: 'a long enough password', role: 'agent' },
    });
    expect(agentCreates.status).toBe(403);
    expect(agentCreates.body.code).toBe('ROLE_REQUIRED');

    const nobodyMintsOwner = await t.request('POST', '/api/users', {
      token: owner.token,
      body: { email: 'x-owner@example.test', password: 'a long enough password', role: 'owner' },
    });
    expect(nobodyMintsOwner.status).toBe(400);

    const users = await t.request('GET', '/api/users', { token: owner.token });
    expect(users.body.items.map((u: { role: string }) => u.role).sort()).toEqual(['admin', 'agent', 'owner']);
    expect(JSON.stringify(users.body)).not.toMatch(/password|argon2/i);
  });

  it('requires a valid bearer token', async () => {
    const none = await t.request('GET', '/api/conversations');
    const forged = await t.request('GET', '/api/conversations', { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expect(none.status).toBe(401);
    expect(forged.status).toBe(401);
    expect(none.body.code).toBe('UNAUTHENTICATED');
  });
});
