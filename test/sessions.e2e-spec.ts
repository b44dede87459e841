import type { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { OperatorsService } from '../src/tenancy/operators.service';
import { SESSION_CHECK_TTL_MS } from '../src/tenancy/session-validity.service';
import { TestApp, ownerClient } from './support/test-app';

/** A token speaks for its user only while the user is active and the organization exists. */
describe('sessions and user deactivation', () => {
  let t: TestApp;
  let eu: Client;
  beforeAll(async () => {
    t = await TestApp.start();
    eu = await ownerClient('eu');
  });
  afterAll(async () => {
    await eu.end();
    await t.close();
  });

  const setActive = (token: string, userId: string, active: boolean) => t.request('PATCH', `/api/users/${userId}`, { token, body: { active } });
  /** Asks until `probe` gives `status`; the other instance's cache may hold the old answer for SESSION_CHECK_TTL_MS. */
  async function eventually(probe: () => Promise<number>, status: number): Promise<number> {
    const deadline = Date.now() + SESSION_CHECK_TTL_MS + 10_000;
    let last = await probe();
    while (last !== status && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      last = await probe();
    }
    return last;
  }

  it('deactivating a user ends their tokens at once and refuses their sign-in; reactivating restores it', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    expect((await t.request('GET', '/api/conversations', { token: agent.token })).status).toBe(200);

    const res = await setActive(owner.token, agent.userId, false);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: agent.userId, role: 'agent', active: false });
    const refused = await t.request('GET', '/api/conversations', { token: agent.token });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');

    const login = await t.request('POST', '/api/auth/login', { body: { email: agent.email, password: agent.password } });
    expect(login.status).toBe(403);
    expect(login.body.code).toBe('USER_DEACTIVATED');
    // Only the right password learns that.
    expect((await t.request('POST', '/api/auth/login', { body: { email: agent.email, password: 'not the password at all' } })).body.code).toBe(
      'INVALID_CREDENTIALS',
    );

    const users = await t.request('GET', '/api/users', { token: owner.token });
    expect(users.body.items.find((u: { id: string }) => u.id === agent.userId)).toMatchObject({ active: false });
    const audit = await t.request('GET', '/api/audit-log', { token: owner.token });
    expect(audit.body.items.map((e: { action: string; subject: string }) => `${e.action} ${e.subject}`)).toContain(`user.deactivate user:${agent.userId}`);

    expect((await setActive(owner.token, agent.userId, true)).body.active).toBe(true);
    const again = await t.request('POST', '/api/auth/login', { body: { email: agent.email, password: agent.password } });
    expect(again.status).toBe(200);
    expect((await t.request('GET', '/api/conversations', { token: again.body.accessToken })).status).toBe(200);
  });

  it("ends the tokens on every other instance within the check's few seconds", async () => {
    const other = await TestApp.start();
    try {
      const owner = await t.signup();
      const agent = await t.addUser(owner, 'agent');
      // The other instance has checked (and cached) the token as valid.
      expect((await other.request('GET', '/api/conversations', { token: agent.token })).status).toBe(200);
      expect((await setActive(owner.token, agent.userId, false)).status).toBe(200);
      expect(await eventually(async () => (await other.request('GET', '/api/conversations', { token: agent.token })).status, 401)).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('lets owners and admins (de)activate only within their powers, and never leaves the organization without an owner', async () => {
    const owner = await t.signup();
    const admin = await t.addUser(owner, 'admin');
    const otherAdmin = await t.addUser(owner, 'admin');
    const agent = await t.addUser(owner, 'agent');
    const stranger = await t.signup();

    const byAdmin = await setActive(admin.token, owner.userId, false);
    expect({ status: byAdmin.status, code: byAdmin.body.code }).toEqual({ status: 403, code: 'ROLE_NOT_ALLOWED' });
    expect((await setActive(admin.token, otherAdmin.userId, false)).body.code).toBe('ROLE_NOT_ALLOWED');
    expect((await setActive(agent.token, agent.userId, false)).body.code).toBe('ROLE_REQUIRED');
    const lastOwner = await setActive(owner.token, owner.userId, false);
    expect({ status: lastOwner.status, code: lastOwner.body.code }).toEqual({ status: 409, code: 'LAST_OWNER' });
    expect((await t.request('GET', '/api/tenant', { token: owner.token })).status).toBe(200);

    // Another organization's user does not exist here; a malformed id is bad input.
    expect((await setActive(owner.token, stranger.userId, false)).status).toBe(404);
    expect((await t.request('PATCH', '/api/users/not-a-uuid', { token: owner.token, body: { active: false } })).status).toBe(400);
    expect((await t.request('PATCH', `/api/users/${agent.userId}`, { token: owner.token, body: { active: 'no' } })).status).toBe(400);
    expect((await t.request('GET', '/api/conversations', { token: stranger.token })).status).toBe(200);

    expect((await setActive(admin.token, agent.userId, false)).status).toBe(200);
    // Anyone else may step down themselves.
    expect((await setActive(admin.token, admin.userId, false)).status).toBe(200);
    expect((await t.request('GET', '/api/users', { token: admin.token })).status).toBe(401);
  });

  it("ends an operator's token when the operator account is gone", async () => {
    const email = `staff-${randomUUID()}@monkeymachine.test`;
    const { id } = await t.app.get(OperatorsService).create(email, 'operator password 1');
    const login = await t.request('POST', '/api/auth/operator-login', { body: { email, password: 'operator password 1' } });
    const probe = async () => (await t.request('GET', '/api/conversations', { token: login.body.accessToken })).status;
    expect(await probe()).toBe(404); // authenticated, but no tenant named
    await eu.query(`delete from directory.operators where id = $1`, [id]);
    expect(await eventually(probe, 401)).toBe(401);
  });
});
