import { randomBytes } from 'node:crypto';
import { TestApp, TestTenant } from './support/test-app';

/** /health: up or down for anyone; the deployment's details only to monitoring and signed-in users. */
describe('/health', () => {
  const HEALTH_TOKEN = randomBytes(24).toString('base64url');
  let t: TestApp;
  let owner: TestTenant;
  beforeAll(async () => {
    t = await TestApp.start({ HEALTH_TOKEN });
    owner = await t.signup();
  });
  afterAll(() => t.close());

  const details = { status: 'ok', regions: { eu: { database: 'up' }, ru: { database: 'up' } }, jobs: expect.any(Object), warnings: expect.any(Array) };

  it('tells an anonymous caller up or down, and nothing else', async () => {
    for (const headers of <Array<Record<string, string>>>[
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Basic ${Buffer.from(`x:${HEALTH_TOKEN}`).toString('base64')}` },
      { authorization: `Bearer ${HEALTH_TOKEN}x` },
    ]) {
      const res = await t.request('GET', '/health', { headers });
      expect({ headers, status: res.status, body: res.body }).toEqual({ headers, status: 200, body: { status: 'up' } });
    }
  });

  it('shows the details to the configured HEALTH_TOKEN', async () => {
    const res = await t.request('GET', '/health', { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(details);
  });

  it('shows the details to any signed-in user, and not to a forged token', async () => {
    const agent = await t.addUser(owner, 'agent');
    for (const token of [owner.token, agent.token]) expect((await t.request('GET', '/health', { token })).body).toEqual(details);
    const forged = `${owner.token.slice(0, -4)}AAAA`;
    expect((await t.request('GET', '/health', { token: forged })).body).toEqual({ status: 'up' });
  });

  it('has no token to accept when HEALTH_TOKEN is not set', async () => {
    const plain = await TestApp.start();
    try {
      expect((await plain.request('GET', '/health', { headers: { authorization: 'Bearer ' } })).body).toEqual({ status: 'up' });
      expect((await plain.request('GET', '/health', { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } })).body).toEqual({ status: 'up' });
      expect((await plain.request('GET', '/health', { token: owner.token })).body).toMatchObject({ status: 'ok' });
    } finally {
      await plain.close();
    }
  });
});
