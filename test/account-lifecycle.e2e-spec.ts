import { randomUUID } from 'node:crypto';
import { tokenOf, waitForMails, mailsTo } from './support/mailbox';
import { TestApp, TestTenant } from './support/test-app';

/** Invitations, address verification, password reset and change, refresh tokens, logout, leaving users, owner transfer. */
describe('account lifecycle', () => {
  let t: TestApp;
  let dataDir: string;
  beforeAll(async () => {
    t = await TestApp.start();
    dataDir = t.config.dataDir;
  });
  afterAll(() => t.close());

  const get = (token: string, url: string) => t.request('GET', url, { token });
  const login = (email: string, password: string) => t.request('POST', '/api/auth/login', { body: { email, password } });

  describe('sign-up, sessions and refresh tokens', () => {
    it('signs up with an access and a refresh token, and mails a verification link that works once', async () => {
      const email = `owner-${randomUUID()}@example.test`;
      const res = await t.request('POST', '/api/auth/signup', {
        body: { organizationName: 'Verified Org', email, password: 'a long enough password', locale: 'ru' },
        remoteAddress: '198.19.1.1',
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.stringMatching(/^mmr_/), expiresIn: 900 });
      expect(res.body.user).toMatchObject({ email, role: 'owner', emailVerified: false });
      const [mail] = await waitForMails(dataDir, email);
      expect(mail.subject).toBe('Подтвердите адрес электронной почты');
      const token = tokenOf(mail.link);
      expect((await t.request('POST', '/api/auth/verify-email', { body: { token } })).status).toBe(204);
      expect((await t.request('POST', '/api/auth/verify-email', { body: { token } })).body.code).toBe('INVALID_TOKEN');
      const me = await get(res.body.accessToken, '/api/users/me');
      expect(me.body).toMatchObject({ email, emailVerified: true, locale: 'ru', initials: expect.stringMatching(/^O[0-9A-F]$/) });
    });

    it('rotates the refresh token; a reused one revokes the whole family', async () => {
      const owner = await t.signup();
      const first = await login(owner.email, owner.password);
      expect(first.status).toBe(200);
      expect(first.body.refreshToken).toMatch(/^mmr_/);

      const second = await t.request('POST', '/api/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
      expect(second.status).toBe(200);
      expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
      expect((await get(second.body.accessToken, '/api/conversations')).status).toBe(200);
      const third = await t.request('POST', '/api/auth/refresh', { body: { refreshToken: second.body.refreshToken } });
      expect(third.status).toBe(200);

      // The first token again: someone copied it. The session ends for both holders.
      const reused = await t.request('POST', '/api/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
      expect(reused.status).toBe(401);
      expect(reused.body.code).toBe('REFRESH_TOKEN_REUSED');
      expect((await t.request('POST', '/api/auth/refresh', { body: { refreshToken: third.body.refreshToken } })).body.code).toBe('INVALID_REFRESH_TOKEN');
      expect((await get(third.body.accessToken, '/api/conversations')).status).toBe(401);
      // Other sessions of the user are untouched.
      expect((await get(owner.token, '/api/conversations')).status).toBe(200);
      const audit = await get(owner.token, '/api/audit-log');
      expect(audit.body.items.some((e: { action: string; decision: string }) => e.action === 'session.refresh' && e.decision === 'deny')).toBe(true);
    });

    it('refuses hostile refresh tokens with 401, and logout ends the session', async () => {
      const owner = await t.signup();
      for (const refreshToken of [
        'mmr_x',
        `mmr_${'A'.repeat(65)}`,
        'x'.repeat(200),
        `mmr_${'A'.repeat(43)}${Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url')}`,
      ]) {
        const res = await t.request('POST', '/api/auth/refresh', { body: { refreshToken } });
        expect([res.status, res.body.code]).toEqual([401, 'INVALID_REFRESH_TOKEN']);
      }
      const session = await login(owner.email, owner.password);
      expect((await t.request('POST', '/api/auth/logout', { body: { refreshToken: session.body.refreshToken } })).status).toBe(204);
      expect((await get(session.body.accessToken, '/api/conversations')).status).toBe(401);
      expect((await t.request('POST', '/api/auth/refresh', { body: { refreshToken: session.body.refreshToken } })).status).toBe(401);
      // Logging out with nonsense says nothing.
      expect((await t.request('POST', '/api/auth/logout', { body: { refreshToken: 'mmr_nonsense' } })).status).toBe(204);
      expect((await get(owner.token, '/api/conversations')).status).toBe(200);
    });
  });

  describe('password reset and change', () => {
    it('answers 202 for any address; the link sets a new password once and ends every session', async () => {
      const owner = await t.signup();
      const other = await login(owner.email, owner.password);
      const unknown = `nobody-${randomUUID()}@example.test`;
      const a = await t.request('POST', '/api/auth/password-reset', { body: { email: unknown } });
      const b = await t.request('POST', '/api/auth/password-reset', { body: { email: owner.email.toUpperCase() } });
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(a.body).toEqual(b.body);
      const [mail] = await waitForMails(dataDir, owner.email, 2); // the sign-up's verification, then the reset
      expect(mail).toBeDefined();
      const reset = (await mailsTo(dataDir, owner.email)).find((m) => m.subject.includes('Reset'))!;
      const token = tokenOf(reset.link);
      expect(token).toMatch(/^mml_/);

      const weak = await t.request('POST', '/api/auth/password-reset/confirm', { body: { token, password: 'aaaaaaaaaa' } });
      expect(weak.body.code).toBe('PASSWORD_TOO_WEAK');
      const ok = await t.request('POST', '/api/auth/password-reset/confirm', { body: { token, password: 'a brand new passphrase' } });
      expect(ok.status).toBe(204);
      const twice = await t.request('POST', '/api/auth/password-reset/confirm', { body: { token, password: 'yet another passphrase' } });
      expect([twice.status, twice.body.code]).toEqual([400, 'INVALID_TOKEN']);

      expect((await get(owner.token, '/api/conversations')).status).toBe(401);
      expect((await get(other.body.accessToken, '/api/conversations')).status).toBe(401);
      expect((await t.request('POST', '/api/auth/refresh', { body: { refreshToken: other.body.refreshToken } })).status).toBe(401);
      expect((await login(owner.email, owner.password)).status).toBe(401);
      expect((await login(owner.email, 'a brand new passphrase')).status).toBe(200);
      expect(await mailsTo(dataDir, unknown)).toEqual([]);
    });

    it('refuses an expired link', async () => {
      const owner = await t.signup();
      await t.request('POST', '/api/auth/password-reset', { body: { email: owner.email } });
      const mails = await waitForMails(dataDir, owner.email, 2);
      const token = tokenOf(mails.find((m) => m.subject.includes('Reset'))!.link);
      await t.dbs.forTenant(owner, (tx) =>
        tx.query(`update account_links set expires_at = now() - interval '1 second' where tenant_id = $1`, [owner.tenantId]),
      );
      const res = await t.request('POST', '/api/auth/password-reset/confirm', { body: { token, password: 'a brand new passphrase' } });
      expect(res.body.code).toBe('INVALID_TOKEN');
    });

    it('changes the password with the current one: this session stays, the others end', async () => {
      const owner = await t.signup();
      const other = await login(owner.email, owner.password);
      const wrong = await t.request('POST', '/api/users/me/password', {
        token: owner.token,
        body: { currentPassword: 'not my password', newPassword: 'a brand new passphrase' },
      });
      expect([wrong.status, wrong.body.code]).toEqual([401, 'INVALID_CREDENTIALS']);
      const ok = await t.request('POST', '/api/users/me/password', {
        token: owner.token,
        body: { currentPassword: owner.password, newPassword: 'a brand new passphrase' },
      });
      expect(ok.status).toBe(204);
      expect((await get(owner.token, '/api/conversations')).status).toBe(200);
      expect((await get(other.body.accessToken, '/api/conversations')).status).toBe(401);
      expect((await login(owner.email, 'a brand new passphrase')).status).toBe(200);
    });
  });

  describe('invitations', () => {
    it('invites by mail; accepting sets name and password, once, and signs in', async () => {
      const owner = await t.signup({ organizationName: 'Inviting Org' });
      const email = `Invited-${randomUUID()}@Example.test`;
      const inv = await t.request('POST', '/api/users/invitations', { token: owner.token, body: { email, role: 'agent', locale: 'en' } });
      expect(inv.status).toBe(201);
      expect(inv.body).toMatchObject({ email: email.toLowerCase(), role: 'agent', mailSent: true });
      expect((await t.request('POST', '/api/users/invitations', { token: owner.token, body: { email, role: 'agent' } })).body.code).toBe('INVITATION_PENDING');
      expect((await get(owner.token, '/api/users/invitations')).body.items.map((i: { id: string }) => i.id)).toEqual([inv.body.id]);

      const [mail] = await waitForMails(dataDir, email.toLowerCase());
      expect(mail.subject).toBe('You are invited to Inviting Org on MonkeyMachine');
      const token = tokenOf(mail.link);
      const accepted = await t.request('POST', '/api/auth/invitations/accept', {
        body: { token, displayName: '  Maria Petrova ', password: 'the agent passphrase' },
      });
      expect(accepted.status).toBe(201);
      expect(accepted.body.user).toMatchObject({
        email: email.toLowerCase(),
        role: 'agent',
        displayName: 'Maria Petrova',
        initials: 'MP',
        emailVerified: true,
      });
      expect(accepted.body.tenant.id).toBe(owner.tenantId);
      expect((await get(accepted.body.accessToken, '/api/conversations')).status).toBe(200);
      const again = await t.request('POST', '/api/auth/invitations/accept', { body: { token, displayName: 'Someone', password: 'the agent passphrase' } });
      expect([again.status, again.body.code]).toEqual([400, 'INVALID_TOKEN']);
      expect((await login(email, 'the agent passphrase')).status).toBe(200);
      expect((await get(owner.token, '/api/users/invitations')).body.items).toEqual([]);
    });

    it('enforces roles, refuses taken addresses, and revoked invitations stop working', async () => {
      const owner = await t.signup();
      const admin = await t.addUser(owner, 'admin');
      const agent = await t.addUser(owner, 'agent');
      const email = `x-${randomUUID()}@example.test`;
      expect((await t.request('POST', '/api/users/invitations', { token: admin.token, body: { email, role: 'admin' } })).body.code).toBe('ROLE_NOT_ALLOWED');
      expect((await t.request('POST', '/api/users/invitations', { token: agent.token, body: { email, role: 'agent' } })).status).toBe(403);
      expect((await t.request('POST', '/api/users/invitations', { token: admin.token, body: { email: agent.email, role: 'agent' } })).body.code).toBe(
        'EMAIL_TAKEN',
      );
      expect((await t.request('POST', '/api/users/invitations', { token: admin.token, body: { email, role: 'agent', teamIds: [randomUUID()] } })).status).toBe(
        404,
      );
      for (const body of [
        { email: 'not an address', role: 'agent' },
        { email, role: 'owner' },
        { email, role: 'agent', teamIds: ['x'] },
      ]) {
        const bad = await t.request('POST', '/api/users/invitations', { token: admin.token, body });
        expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }

      const inv = await t.request('POST', '/api/users/invitations', { token: admin.token, body: { email, role: 'agent' } });
      const [mail] = await waitForMails(dataDir, email);
      const stranger = await t.signup();
      expect((await t.request('DELETE', `/api/users/invitations/${inv.body.id}`, { token: stranger.token })).status).toBe(404);
      expect((await t.request('DELETE', `/api/users/invitations/${inv.body.id}`, { token: admin.token })).status).toBe(204);
      expect((await t.request('DELETE', `/api/users/invitations/${inv.body.id}`, { token: admin.token })).status).toBe(404);
      const res = await t.request('POST', '/api/auth/invitations/accept', {
        body: { token: tokenOf(mail.link), displayName: 'Late', password: 'the agent passphrase' },
      });
      expect(res.body.code).toBe('INVALID_TOKEN');
    });
  });

  describe('people leaving, and the owner', () => {
    async function assignedConversation(owner: TestTenant, assigneeId: string): Promise<string> {
      const channel = await t.createChannel(owner);
      const { conversation } = await t.inbound(owner, channel);
      const res = await t.request('PATCH', `/api/conversations/${conversation.id}`, { token: owner.token, body: { assigneeId } });
      expect(res.status).toBe(200);
      return conversation.id;
    }

    it('deactivating hands the conversations to a colleague; removing unassigns them and frees the address', async () => {
      const owner = await t.signup();
      const leaving = await t.addUser(owner, 'agent');
      const colleague = await t.addUser(owner, 'agent');
      const stranger = await t.signup();
      const c1 = await assignedConversation(owner, leaving.userId);

      const foreign = await t.request('PATCH', `/api/users/${leaving.userId}`, { token: owner.token, body: { active: false, handOverTo: stranger.userId } });
      expect(foreign.body.code).toBe('HANDOVER_USER_INVALID');
      const off = await t.request('PATCH', `/api/users/${leaving.userId}`, { token: owner.token, body: { active: false, handOverTo: colleague.userId } });
      expect(off.status).toBe(200);
      expect((await get(owner.token, `/api/conversations/${c1}`)).body.assigneeId).toBe(colleague.userId);
      // Reactivation does not bring the old sessions back.
      expect((await t.request('PATCH', `/api/users/${leaving.userId}`, { token: owner.token, body: { active: true } })).status).toBe(200);
      expect((await get(leaving.token, '/api/conversations')).status).toBe(401);

      const c2 = await assignedConversation(owner, colleague.userId);
      expect((await t.request('DELETE', `/api/users/${colleague.userId}`, { token: stranger.token })).status).toBe(404);
      expect((await t.request('DELETE', `/api/users/${colleague.userId}?handOverTo=nope`, { token: owner.token })).status).toBe(400);
      expect((await t.request('DELETE', `/api/users/${colleague.userId}`, { token: owner.token })).status).toBe(204);
      expect((await get(owner.token, `/api/conversations/${c2}`)).body.assigneeId).toBeNull();
      expect((await get(owner.token, `/api/conversations/${c1}`)).body.assigneeId).toBeNull();
      expect((await get(colleague.token, '/api/conversations')).status).toBe(401);
      expect((await login(colleague.email, colleague.password)).status).toBe(401);
      expect((await get(owner.token, '/api/users')).body.items.map((u: { id: string }) => u.id)).not.toContain(colleague.userId);
      expect((await t.request('POST', '/api/users/invitations', { token: owner.token, body: { email: colleague.email, role: 'agent' } })).status).toBe(201);
      expect((await t.request('DELETE', `/api/users/${owner.userId}`, { token: owner.token })).body.code).toBe('LAST_OWNER');
    });

    it('transfers the ownership: the roles change at once, for tokens already issued too', async () => {
      const owner = await t.signup();
      const admin = await t.addUser(owner, 'admin');
      const stranger = await t.signup();
      expect((await t.request('POST', '/api/tenant/owner', { token: admin.token, body: { userId: owner.userId } })).status).toBe(403);
      expect((await t.request('POST', '/api/tenant/owner', { token: owner.token, body: { userId: stranger.userId } })).status).toBe(404);
      const res = await t.request('POST', '/api/tenant/owner', { token: owner.token, body: { userId: admin.userId } });
      expect(res.status).toBe(200);
      expect(res.body.owner).toMatchObject({ id: admin.userId, role: 'owner' });
      expect(res.body.previousOwner).toMatchObject({ id: owner.userId, role: 'admin' });
      expect((await t.request('POST', '/api/tenant/owner', { token: owner.token, body: { userId: admin.userId } })).status).toBe(403);
      expect((await get(owner.token, '/api/users/me')).body.role).toBe('admin');
      expect((await t.request('POST', '/api/tenant/owner', { token: admin.token, body: { userId: owner.userId } })).status).toBe(200);
    });

    it('changes a colleague between admin and agent, within what the actor may do, at once for issued tokens', async () => {
      const owner = await t.signup();
      const colleague = await t.addUser(owner, 'agent');
      const admin = await t.addUser(owner, 'admin');
      const stranger = await t.signup();
      const patch = (token: string, id: string, body: unknown) => t.request('PATCH', `/api/users/${id}`, { token, body });

      expect((await patch(stranger.token, colleague.userId, { role: 'admin' })).status).toBe(404);
      expect((await patch(colleague.token, admin.userId, { role: 'agent' })).status).toBe(403);
      // An admin may create agents only: it cannot promote one, nor demote another admin.
      expect((await patch(admin.token, colleague.userId, { role: 'admin' })).body.code).toBe('ROLE_NOT_ALLOWED');
      expect((await patch(owner.token, owner.userId, { role: 'admin' })).body.code).toBe('ROLE_NOT_ALLOWED');
      expect((await patch(owner.token, colleague.userId, { role: 'owner' })).status).toBe(400);
      expect((await patch(owner.token, colleague.userId, {})).body.code).toBe('EMPTY_PATCH');

      expect((await get(colleague.token, '/api/audit-log')).status).toBe(403);
      const promoted = await patch(owner.token, colleague.userId, { role: 'admin' });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toMatchObject({ id: colleague.userId, role: 'admin' });
      // The token issued while an agent now acts as an admin.
      expect((await get(colleague.token, '/api/audit-log')).status).toBe(200);
      expect((await patch(owner.token, admin.userId, { role: 'agent' })).body.role).toBe('agent');
      expect((await get(admin.token, '/api/audit-log')).status).toBe(403);
      const audit = await get(owner.token, '/api/audit-log');
      expect(
        audit.body.items
          .filter((e: { action: string }) => e.action === 'user.role_change')
          .map((e: { reason: string }) => e.reason)
          .sort(),
      ).toEqual(['admin -> agent', 'agent -> admin']);
    });

    it('lets everyone set their display name and language', async () => {
      const owner = await t.signup();
      const agent = await t.addUser(owner, 'agent');
      const res = await t.request('PATCH', '/api/users/me', { token: agent.token, body: { displayName: 'Ёлка Иванова', locale: 'ru' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ displayName: 'Ёлка Иванова', initials: 'ЁИ', locale: 'ru' });
      expect((await t.request('PATCH', '/api/users/me', { token: agent.token, body: { displayName: '\u202eevil' } })).status).toBe(400);
      expect((await t.request('PATCH', '/api/users/me', { token: agent.token, body: { locale: 'de' } })).status).toBe(400);
      expect((await t.request('PATCH', '/api/users/me', { token: agent.token, body: {} })).body.code).toBe('EMPTY_PATCH');
      expect((await t.request('PATCH', '/api/users/me', { token: agent.token, body: { displayName: null } })).body.initials).toMatch(/^A[0-9A-F]$/);
    });
  });
});
