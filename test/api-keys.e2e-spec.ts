import { randomUUID } from 'node:crypto';
import { TestApp } from './support/test-app';

/** API keys: shown once, stored hashed, revocable, expiring, last use kept, every use audited. */
describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('creates a key shown once; it authenticates with its role, every use audited, until revoked', async () => {
    const owner = await t.signup();
    const created = await t.request('POST', '/api/api-keys', { token: owner.token, body: { name: 'Zapier', role: 'agent' } });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^mm_[A-Za-z0-9_-]{65}$/);
    expect(created.body).toMatchObject({ name: 'Zapier', role: 'agent', prefix: key.slice(0, 11), lastUsedAt: null, expiresAt: null });

    // Stored hashed: the key is nowhere in the database.
    const stored = await t.dbs.forTenant(owner, (tx) => tx.query(`select * from api_keys where tenant_id = $1`, [owner.tenantId]));
    expect(JSON.stringify(stored)).not.toContain(key.slice(3));
    const listed = await t.request('GET', '/api/api-keys', { token: owner.token });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].key).toBeUndefined();

    const used = await t.request('GET', '/api/conversations?status=open', { token: key });
    expect(used.status).toBe(200);
    // An agent key: no admin routes, no key management.
    expect((await t.request('GET', '/api/users', { token: key })).status).toBe(403);
    expect((await t.request('GET', `/api/api-keys/${created.body.id}`, { token: owner.token })).body.lastUsedAt).not.toBeNull();
    const audit = await t.request('GET', '/api/audit-log', { token: owner.token });
    const uses = audit.body.items.filter((e: { action: string }) => e.action === 'api_key.use');
    expect(uses.map((e: { actor: string; subject: string }) => `${e.actor} ${e.subject}`)).toEqual(
      expect.arrayContaining([`api_key:${created.body.id} GET /api/conversations`, `api_key:${created.body.id} GET /api/users`]),
    );

    const revoked = await t.request('DELETE', `/api/api-keys/${created.body.id}`, { token: owner.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await t.request('GET', '/api/conversations', { token: key });
    expect([refused.status, refused.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('enforces roles and expiry; an admin key manages no keys; another tenant sees 404', async () => {
    const owner = await t.signup();
    const admin = await t.addUser(owner, 'admin');
    const agent = await t.addUser(owner, 'agent');
    expect((await t.request('POST', '/api/api-keys', { token: admin.token, body: { name: 'x', role: 'admin' } })).body.code).toBe('ROLE_NOT_ALLOWED');
    expect((await t.request('POST', '/api/api-keys', { token: agent.token, body: { name: 'x', role: 'agent' } })).status).toBe(403);
    for (const body of [
      { name: '', role: 'agent' },
      { name: 'x', role: 'owner' },
      { name: 'x', role: 'agent', expiresAt: 'tomorrow' },
    ]) {
      const bad = await t.request('POST', '/api/api-keys', { token: owner.token, body });
      expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(
      (await t.request('POST', '/api/api-keys', { token: owner.token, body: { name: 'x', role: 'agent', expiresAt: '2001-01-01T00:00:00Z' } })).body.code,
    ).toBe('EXPIRES_IN_PAST');

    const adminKey = await t.request('POST', '/api/api-keys', { token: owner.token, body: { name: 'CRM sync', role: 'admin' } });
    expect((await t.request('GET', '/api/users', { token: adminKey.body.key })).status).toBe(200);
    expect((await t.request('POST', '/api/api-keys', { token: adminKey.body.key, body: { name: 'y', role: 'agent' } })).body.code).toBe('NOT_A_PERSON');

    const stranger = await t.signup();
    expect((await t.request('GET', `/api/api-keys/${adminKey.body.id}`, { token: stranger.token })).status).toBe(404);
    expect((await t.request('DELETE', `/api/api-keys/${adminKey.body.id}`, { token: stranger.token })).status).toBe(404);
    expect((await t.request('DELETE', `/api/api-keys/${randomUUID()}`, { token: owner.token })).status).toBe(404);

    const soon = await t.request('POST', '/api/api-keys', {
      token: owner.token,
      body: { name: 'short', role: 'agent', expiresAt: new Date(Date.now() + 60_000).toISOString() },
    });
    expect((await t.request('GET', '/api/conversations', { token: soon.body.key })).status).toBe(200);
    await t.dbs.forTenant(owner, (tx) =>
      tx.query(`update api_keys set expires_at = now() - interval '1 second' where tenant_id = $1 and id = $2`, [owner.tenantId, soon.body.id]),
    );
    expect((await t.request('GET', '/api/conversations', { token: soon.body.key })).status).toBe(401);
  });

  it('refuses forged keys', async () => {
    const owner = await t.signup();
    const forged = `mm_${'A'.repeat(43)}${Buffer.from(owner.tenantId.replace(/-/g, ''), 'hex').toString('base64url')}`;
    for (const token of [forged, 'mm_', 'mm_x', `mm_${'!'.repeat(65)}`]) {
      const res = await t.request('GET', '/api/conversations', { token });
      expect([res.status, res.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });
});
