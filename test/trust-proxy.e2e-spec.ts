import { TestApp, TestTenant } from './support/test-app';

/**
 * X-Forwarded-For names the client only when it comes from a proxy TRUST_PROXY names; otherwise
 * anyone could pick a fresh address per request and walk past every per-address limit.
 * The probe is web chat's budget of new sessions per client address (10 at once).
 */
describe('TRUST_PROXY', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  async function webchatApp(env: Record<string, string>) {
    const t = await TestApp.start(env);
    apps.push(t);
    const owner: TestTenant = await t.signup();
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'webchat', name: 'Site chat', config: { allowedOrigins: ['https://shop.example'] }, credentials: {} },
    });
    expect(res.status).toBe(201);
    const key: string = res.body.config.channelKey;
    let n = 0;
    /** Starts sessions from `socket`, each claiming a different client address unless `forwardedFor` is fixed. */
    const starts = async (count: number, socket: string, forwardedFor?: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < count; i++) {
        const claimed = forwardedFor ?? `203.0.113.${++n}`;
        const r = await t.request('POST', `/webchat/${key}/sessions`, { body: {}, headers: { 'x-forwarded-for': claimed }, remoteAddress: socket });
        statuses.push(r.status);
      }
      return statuses;
    };
    return { starts };
  }

  it('ignores X-Forwarded-For by default: a client cannot escape its limit by naming other addresses', async () => {
    const { starts } = await webchatApp({});
    const statuses = await starts(11, '198.51.100.7');
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(201));
    expect(statuses[10]).toBe(429);
  });

  it('honours X-Forwarded-For from a configured proxy address, and only from it', async () => {
    const { starts } = await webchatApp({ TRUST_PROXY: '10.1.0.0/16' });
    // Through the proxy: eleven visitors, eleven addresses, nobody limited.
    expect(await starts(11, '10.1.2.3')).toEqual(Array(11).fill(201));
    // One visitor through the proxy is still one address.
    const same = await starts(11, '10.1.2.3', '192.0.2.50');
    expect(same[10]).toBe(429);
    // Straight from elsewhere: the header is ignored.
    const direct = await starts(11, '198.51.100.8');
    expect(direct[10]).toBe(429);
  });

  it('takes the client from behind a configured number of proxies', async () => {
    const { starts } = await webchatApp({ TRUST_PROXY: '1' });
    expect(await starts(11, '10.9.9.9')).toEqual(Array(11).fill(201));
  });
});
