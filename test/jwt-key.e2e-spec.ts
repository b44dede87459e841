import type * as TestAppModule from './support/test-app';

// jsonwebtoken takes these from node:crypto when it loads, so the spies must be in place first:
// the app (and with it jsonwebtoken) is required only below.
const crypto = require('node:crypto') as typeof import('node:crypto');
const parsePublic = jest.spyOn(crypto, 'createPublicKey');
const parsePrivate = jest.spyOn(crypto, 'createPrivateKey');
const { TestApp } = require('./support/test-app') as typeof TestAppModule;
const jsonwebtoken = require('jsonwebtoken') as typeof import('jsonwebtoken');

/** Access tokens are signed and checked with a secret KeyObject: no PEM parse per request. */
describe('access token key', () => {
  let t: TestAppModule.TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
    parsePublic.mockRestore();
    parsePrivate.mockRestore();
  });

  it('signs and verifies without trying to parse the secret as a public or private key', async () => {
    const owner = await t.signup();
    parsePublic.mockClear();
    parsePrivate.mockClear();
    const login = await t.request('POST', '/api/auth/login', { body: { email: owner.email, password: owner.password } });
    expect(login.status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await t.request('GET', '/api/tenant', { token: login.body.accessToken })).status).toBe(200);
    expect(parsePublic).not.toHaveBeenCalled();
    expect(parsePrivate).not.toHaveBeenCalled();
  });

  it('still accepts a token signed with the secret string, and refuses one signed with another key', async () => {
    const owner = await t.signup();
    // A user's token names its sign-in session (sid): take the live one of this sign-up.
    const { sid } = jsonwebtoken.decode(owner.token) as { sid: string };
    const claims = { sub: owner.userId, tid: owner.tenantId, rgn: owner.region, role: 'owner', sid };
    const good = jsonwebtoken.sign(claims, t.config.jwtSecret, { algorithm: 'HS256', expiresIn: 60 });
    const forged = jsonwebtoken.sign(claims, `${t.config.jwtSecret}x`, { algorithm: 'HS256', expiresIn: 60 });
    expect((await t.request('GET', '/api/tenant', { token: good })).status).toBe(200);
    expect((await t.request('GET', '/api/tenant', { token: forged })).status).toBe(401);
  });
});
