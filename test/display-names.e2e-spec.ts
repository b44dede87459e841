import { randomUUID } from 'node:crypto';
import { TenantTerminationWorker } from '../src/privacy/tenant-termination.worker';
import { TestApp, ownerClient } from './support/test-app';

/** Names people read (organizations, channels) are trimmed, never blank, and cannot disguise themselves. */
describe('display names', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const signup = (organizationName: unknown) =>
    t.request('POST', '/api/auth/signup', { body: { organizationName, email: `owner-${randomUUID()}@example.test`, password: 'a long enough password' } });

  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['tabs and line breaks', '\t\r\n '],
    ['no-break and ideographic spaces', '\u00a0\u3000'],
    ['zero-width characters', '\u200b\u200d\ufeff'],
    ['a Hangul filler', '\u3164'],
  ])('refuses a blank organization name (%s)', async (_, name) => {
    const res = await signup(name);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('organizationName must not be blank') });
  });

  it.each([
    ['RIGHT-TO-LEFT OVERRIDE', 'Acme\u202egnp.exe'],
    ['LEFT-TO-RIGHT EMBEDDING', '\u202aAcme'],
    ['POP DIRECTIONAL FORMATTING', 'Acme\u202c'],
    ['FIRST STRONG ISOLATE', 'Ac\u2068me\u2069'],
    ['RIGHT-TO-LEFT MARK', 'Acme\u200f'],
    ['LEFT-TO-RIGHT MARK', '\u200eAcme'],
    ['ARABIC LETTER MARK', 'Acme\u061c'],
  ])('refuses a bidirectional control in an organization name (%s)', async (_, name) => {
    const res = await signup(name);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('organizationName must not contain bidirectional control characters'),
    });
  });

  it('refuses control characters, and a name that is not a string', async () => {
    expect((await signup('Acme\nInc')).body.message).toContain('organizationName must not contain control characters');
    expect((await signup(42)).body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('organizationName') });
    expect((await signup(`  ${'x'.repeat(201)}  `)).body.message).toContain('organizationName must be shorter than or equal to 200 characters');
  });

  it('stores the name trimmed, and keeps right-to-left names and joined emoji', async () => {
    const trimmed = await signup('  Acme Bakery \t');
    expect(trimmed.status).toBe(201);
    expect((await t.request('GET', '/api/tenant', { token: trimmed.body.accessToken })).body.name).toBe('Acme Bakery');
    for (const name of ['מאפיית אקמה', 'مخبز أكمي', 'Bäckerei 👩‍🍳', 'x'.repeat(200)]) {
      const res = await signup(` ${name} `);
      expect({ name, status: res.status }).toEqual({ name, status: 201 });
      expect((await t.request('GET', '/api/tenant', { token: res.body.accessToken })).body.name).toBe(name);
    }
  });

  it('checks channel names the same way', async () => {
    const owner = await t.signup();
    const connect = (name: unknown) =>
      t.request('POST', '/api/channels', {
        token: owner.token,
        body: { kind: 'webchat', name, config: { allowedOrigins: ['https://shop.example'] }, credentials: {} },
      });
    for (const [name, why] of [
      ['   ', 'name must not be blank'],
      ['\u200b', 'name must not be blank'],
      ['Shop\u202e chat', 'name must not contain bidirectional control characters'],
      ['Shop\u2066chat\u2069', 'name must not contain bidirectional control characters'],
      ['Shop\u0000chat', 'U+0000'],
    ] as const) {
      const res = await connect(name);
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.message).toContain(why);
    }
    const ok = await connect('  Shop chat  ');
    expect(ok.status).toBe(201);
    expect(ok.body.name).toBe('Shop chat');

    // The name a web chat visitor introduces themself with is shown to agents: the same rules.
    const start = (name: string) =>
      t.request('POST', `/webchat/${ok.body.config.channelKey}/sessions`, { body: { name }, headers: { origin: 'https://shop.example' } });
    expect((await start('Ada\u202e')).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('name must not contain bidirectional control characters'),
    });
    expect((await start(' \u200b ')).body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('name must not be blank') });
    expect((await start(' Ada ')).status).toBe(201);
  });

  it('lets an organization whose name was stored blank terminate with its id', async () => {
    // Before names were checked, "   " was accepted and stored trimmed: an empty name that no
    // confirmation could match, so the organization could never be deleted.
    const owner = await t.signup();
    const db = await ownerClient(owner.region);
    try {
      await db.query(`update tenants set name = '' where tenant_id = $1`, [owner.tenantId]);
    } finally {
      await db.end();
    }
    for (const confirm of ['   ', ' ', 'Test Org']) {
      const refused = await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm } });
      expect({ confirm, status: refused.status, code: refused.body.code }).toEqual({ confirm, status: 400, code: expect.any(String) });
    }
    const res = await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: owner.tenantId } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'terminating' });
    await t.app.get(TenantTerminationWorker).drain();
    const check = await ownerClient(owner.region);
    try {
      expect((await check.query(`select count(*)::int as n from tenants where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
    } finally {
      await check.end();
    }
  });

  it('still asks named organizations for their name, not their id; surrounding spaces do not count', async () => {
    const owner = await t.signup({ organizationName: 'Closing Soon' });
    expect((await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: owner.tenantId } })).body.code).toBe('CONFIRMATION_MISMATCH');
    const res = await t.request('DELETE', '/api/tenant', { token: owner.token, body: { confirm: ' Closing Soon ' } });
    expect(res.status).toBe(202);
  });
});
