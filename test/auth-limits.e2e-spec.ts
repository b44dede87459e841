import type { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { AuthThrottle } from '../src/tenancy/auth-throttle.service';
import { OperatorsService } from '../src/tenancy/operators.service';
import { HttpResult, TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * Brute force and abuse limits on sign-in and sign-up, counted in PostgreSQL so that they hold
 * across app instances, and the password policy.
 */
// Each test hashes dozens of passwords (argon2, made to be slow): a loaded machine needs more than the default.
jest.setTimeout(120_000);

describe('sign-in and sign-up limits', () => {
  let t: TestApp;
  let eu: Client;
  let addresses = 0;
  /** A client address of its own for each scenario, so scenarios do not spend each other's budgets. */
  const newAddress = () => `192.0.2.${++addresses}`;

  beforeAll(async () => {
    t = await TestApp.start();
    eu = await ownerClient('eu');
  });
  afterAll(async () => {
    await eu.end();
    await t.close();
  });

  const login = (email: string, password: string, from: string, app: TestApp = t) =>
    app.request('POST', '/api/auth/login', { body: { email, password }, remoteAddress: from });
  const expectTooMany = (res: HttpResult, atLeastSeconds: number) => {
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ statusCode: 429, code: 'TOO_MANY_ATTEMPTS', message: expect.stringMatching(/try again in \d+ s/) });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(atLeastSeconds);
  };
  /** What the clock would do: the account's lock and window are over. */
  const letTimePass = () =>
    eu.query(
      `update directory.auth_throttle set locked_until = case when locked_until is null then null else now() - interval '1 second' end, window_started_at = now() - interval '2 hours'`,
    );

  it('locks an account after 10 wrong passwords: then even the right one is refused, from any new address', async () => {
    const owner = await t.signup();
    const attacker = newAddress();
    for (let i = 0; i < 10; i++) expect((await login(owner.email, `wrong password ${i}`, attacker)).status).toBe(401);
    expectTooMany(await login(owner.email, owner.password, attacker), 14 * 60);
    expectTooMany(await login(owner.email, owner.password, newAddress()), 14 * 60);
    // Unknown accounts behave the same: the lock tells nothing about whether the address has an account.
    const nobody = `nobody-${randomUUID()}@example.test`;
    for (let i = 0; i < 10; i++) expect((await login(nobody, `wrong password ${i}`, attacker)).status).toBe(401);
    expectTooMany(await login(nobody, 'whatever it is', attacker), 14 * 60);
  });

  it('counts an attempt before the password is checked: a burst of concurrent guesses gets 10 answers at most', async () => {
    const owner = await t.signup();
    const attacker = newAddress();
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => login(owner.email, `guess number ${i}`, attacker)));
    const statuses = burst.map((r) => r.status);
    const checked = statuses.filter((s) => s === 401).length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - checked);
    expectTooMany(await login(owner.email, owner.password, attacker), 60);
  });

  it("keeps the owner's own address open during an attack, and lets the lock end, growing when it repeats", async () => {
    const owner = await t.signup();
    const home = newAddress();
    expect((await login(owner.email, owner.password, home)).status).toBe(200);

    const attacker = newAddress();
    for (let i = 0; i < 11; i++) await login(owner.email, `wrong password ${i}`, attacker);
    expectTooMany(await login(owner.email, owner.password, newAddress()), 14 * 60);
    // From where the owner signed in before, strangers' failures do not count.
    expect((await login(owner.email, owner.password, home)).status).toBe(200);
    // ...but that address has a budget of its own.
    for (let i = 0; i < 10; i++) expect((await login(owner.email, `typo ${i}`, home)).status).toBe(401);
    expectTooMany(await login(owner.email, owner.password, home), 14 * 60);

    await letTimePass();
    expect((await login(owner.email, owner.password, newAddress())).status).toBe(200);
    // A second lock within a day lasts twice as long.
    for (let i = 0; i < 10; i++) expect((await login(owner.email, `wrong again ${i}`, attacker)).status).toBe(401);
    expectTooMany(await login(owner.email, owner.password, attacker), 29 * 60);
  });

  it('gives a successful sign-in its attempt back: signing in often is not an attack', async () => {
    const owner = await t.signup();
    const office = newAddress();
    for (let i = 0; i < 15; i++) expect((await login(owner.email, owner.password, office)).status).toBe(200);
  });

  it('limits failures from one address across accounts', async () => {
    const attacker = newAddress();
    for (let i = 0; i < 50; i++) expect((await login(`victim-${i}-${randomUUID()}@example.test`, 'Summer2024!', attacker)).status).toBe(401);
    const owner = await t.signup();
    expectTooMany(await login(owner.email, owner.password, attacker), 14 * 60);
    // The same /64 of IPv6 is one address.
    const net = `2001:db8:${addresses}:1`;
    for (let i = 0; i < 50; i++) await login(`victim-${i}-${randomUUID()}@example.test`, 'Summer2024!', `${net}::${i.toString(16)}`);
    expectTooMany(await login(owner.email, owner.password, `${net}:ffff::1`), 14 * 60);
    expect((await login(owner.email, owner.password, newAddress())).status).toBe(200);
  });

  it('holds across app instances: the counters are in the database', async () => {
    const other = await TestApp.start();
    try {
      const owner = await t.signup();
      const attacker = newAddress();
      for (let i = 0; i < 5; i++) expect((await login(owner.email, `wrong ${i}`, attacker, t)).status).toBe(401);
      for (let i = 0; i < 5; i++) expect((await login(owner.email, `wrong ${i}`, attacker, other)).status).toBe(401);
      expectTooMany(await login(owner.email, owner.password, attacker, t), 60);
      expectTooMany(await login(owner.email, owner.password, attacker, other), 60);
    } finally {
      await other.close();
    }
  });

  it('limits operator sign-in the same way', async () => {
    const email = `staff-${randomUUID()}@monkeymachine.test`;
    await t.app.get(OperatorsService).create(email, 'operator password 1');
    const attacker = newAddress();
    const operatorLogin = (password: string) => t.request('POST', '/api/auth/operator-login', { body: { email, password }, remoteAddress: attacker });
    for (let i = 0; i < 10; i++) expect((await operatorLogin(`wrong ${i}`)).status).toBe(401);
    expectTooMany(await operatorLogin('operator password 1'), 14 * 60);
  });

  it('limits sign-ups to 10 an hour per address, whatever their outcome', async () => {
    const from = newAddress();
    const signup = (password = 'a long enough password') =>
      t.request('POST', '/api/auth/signup', { body: { organizationName: 'Spam Inc', email: `s-${randomUUID()}@example.test`, password }, remoteAddress: from });
    expect((await signup('password12')).status).toBe(400);
    for (let i = 0; i < 9; i++) expect((await signup()).status).toBe(201);
    expectTooMany(await signup(), 59 * 60);
    expect(
      (
        await t.request('POST', '/api/auth/signup', {
          body: { organizationName: 'Fine', email: `s-${randomUUID()}@example.test`, password: 'a long enough password' },
          remoteAddress: newAddress(),
        })
      ).status,
    ).toBe(201);
  });

  it('lets an organization learn "address taken" 20 times a day at most when creating users', async () => {
    const owner = await t.signup();
    const elsewhere: TestTenant[] = [];
    for (let i = 0; i < 21; i++) elsewhere.push(await t.signup());
    const create = (email: string) =>
      t.request('POST', '/api/users', { token: owner.token, body: { email, password: 'another long password', role: 'agent' } });
    for (let i = 0; i < 20; i++) expect((await create(elsewhere[i].email)).body.code).toBe('EMAIL_TAKEN');
    expectTooMany(await create(elsewhere[20].email), 60 * 60);
    expectTooMany(await create(`new-${randomUUID()}@example.test`), 60 * 60);
  });

  it('forgets counters nobody needs any more, and keeps the rest', async () => {
    await eu.query(`insert into directory.auth_throttle (bucket, key, attempts, window_started_at, locked_until, last_success_at) values
      ('login_account', 'old', 3, now() - interval '3 days', null, null),
      ('login_account', 'lock-ended-long-ago', 0, now() - interval '3 days', now() - interval '2 days', null),
      ('login_account', 'locked', 0, now() - interval '3 days', now() + interval '1 hour', null),
      ('login_pair', 'known', 0, now() - interval '3 days', null, now() - interval '5 days'),
      ('login_address', 'fresh', 2, now(), null, null)`);
    await t.app.get(AuthThrottle).cleanup();
    const { rows } = await eu.query(
      `select key from directory.auth_throttle where key in ('old', 'lock-ended-long-ago', 'locked', 'known', 'fresh') order by key`,
    );
    expect(rows.map((r) => r.key)).toEqual(['fresh', 'known', 'locked']);
  });
});

describe('password policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it.each(['aaaaaaaaaa', '1234567890', 'password12'])("refuses %j at sign-up, with the estimator's reason", async (password) => {
    const res = await t.request('POST', '/api/auth/signup', {
      body: { organizationName: 'Weak Co', email: `w-${randomUUID()}@example.test`, password },
      remoteAddress: '198.51.100.200',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'PASSWORD_TOO_WEAK', message: expect.stringMatching(/^This password is too easy to guess\. \S/) });
  });

  it('counts the organization name and the e-mail address as known to a guesser', async () => {
    const byName = await t.request('POST', '/api/auth/signup', {
      body: { organizationName: 'Sunflower Bakery', email: `w-${randomUUID()}@example.test`, password: 'Sunflower Bakery 2024' },
      remoteAddress: '198.51.100.201',
    });
    expect(byName.body).toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
    const email = `margaret.hamilton-${randomUUID().slice(0, 4)}@example.test`;
    const byEmail = await t.request('POST', '/api/auth/signup', {
      body: { organizationName: 'Apollo', email, password: `${email}!` },
      remoteAddress: '198.51.100.201',
    });
    expect(byEmail.body.code).toBe('PASSWORD_TOO_WEAK');
  });

  it('applies to users an owner creates', async () => {
    const owner = await t.signup({ organizationName: 'Quiet Harbour' });
    for (const password of ['password12', 'quiet harbour 1']) {
      const res = await t.request('POST', '/api/users', { token: owner.token, body: { email: `a-${randomUUID()}@example.test`, password, role: 'agent' } });
      expect({ password, status: res.status, code: res.body.code }).toEqual({ password, status: 400, code: 'PASSWORD_TOO_WEAK' });
    }
  });
});
