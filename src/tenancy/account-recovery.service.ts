import { Injectable, Logger } from '@nestjs/common';
import { invalid, notFound, unauthenticated } from '../../libs/domain/src';
import { AuditLog } from '../audit/audit-log.store';
import { RegionDatabases } from '../database/region-databases';
import { AccountLinks } from './account-links.service';
import { AuthThrottle } from './auth-throttle.service';
import { PasswordHasher } from './password-hasher.service';
import { PasswordPolicy } from './password-policy.service';
import type { Principal } from './principal';
import { Sessions } from './sessions.service';
import { TenantDirectory } from './tenant-directory.store';
import { TenantStore } from './tenant.store';
import { UserStore } from './user.store';

const invalidLink = () => invalid('INVALID_TOKEN', 'This link is not valid: it was used already, has expired or was replaced; ask for a new one');

/**
 * Password reset, address verification and password change. A reset request answers the same
 * whatever the address (the mail, if any, is sent in the background, so the answer's timing says
 * nothing either); setting a new password ends every other session of the user.
 */
@Injectable()
export class AccountRecovery {
  private readonly log = new Logger('AccountRecovery');

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly users: UserStore,
    private readonly tenants: TenantStore,
    private readonly links: AccountLinks,
    private readonly sessions: Sessions,
    private readonly hasher: PasswordHasher,
    private readonly passwords: PasswordPolicy,
    private readonly throttle: AuthThrottle,
    private readonly audit: AuditLog,
  ) {}

  /** Counts the request, then mails a link if the address has an active account; answers nothing either way. */
  async requestPasswordReset(email: string, clientIp: string | undefined): Promise<void> {
    await this.throttle.countPasswordReset(TenantDirectory.loginHash(email), clientIp);
    void this.sendReset(email).catch((err) => this.log.warn(`password reset failed: ${(err as Error).message}`));
  }

  private async sendReset(email: string): Promise<void> {
    const route = await this.directory.findLogin(email);
    if (!route || !(await this.directory.regionOf(route.tenantId, { active: true }))) return;
    const made = await this.dbs.forTenant(route, async (tx) => {
      const user = await this.users.find(tx, route.tenantId, route.userId);
      if (!user || !user.active || user.removedAt) return null;
      const { link, url } = await this.links.issue(tx, route.tenantId, 'password_reset', { userId: user.id, locale: user.locale });
      return { user, url, expiresAt: link.expiresAt };
    });
    if (made)
      await this.links.mail({
        to: made.user.email,
        locale: made.user.locale,
        template: 'passwordReset',
        params: { link: made.url, expiresAt: made.expiresAt },
      });
  }

  /** Sets a new password with a reset link (once): every session of the user ends, and the address counts as verified. */
  async confirmPasswordReset(token: unknown, password: string): Promise<void> {
    const done = await this.links.redeem(token, 'password_reset', async (tx, link, tenant) => {
      const user = link.userId ? await this.users.lock(tx, tenant.tenantId, link.userId) : null;
      if (!user || !user.active || user.removedAt) return null;
      const org = await this.tenants.find(tenant, tx);
      this.passwords.check(password, { email: user.email, organizationName: org?.name });
      await this.users.update(tx, tenant.tenantId, user.id, {
        passwordHash: await this.hasher.hash(password),
        emailVerifiedAt: user.emailVerifiedAt ?? new Date(),
      });
      await this.sessions.revokeAll(tx, tenant.tenantId, user.id, 'password_reset');
      await this.audit.record(tx, tenant.tenantId, { actor: `user:${user.id}`, action: 'user.password_reset', subject: `user:${user.id}`, decision: 'allow' });
      return { tenantId: tenant.tenantId, user };
    });
    if (!done) throw invalidLink();
    this.sessions.forget(done.tenantId, done.user.id);
    await this.links.mail({ to: done.user.email, locale: done.user.locale, template: 'passwordChanged', params: {} });
  }

  async verifyEmail(token: unknown): Promise<void> {
    const done = await this.links.redeem(token, 'email_verification', async (tx, link, tenant) => {
      const user = link.userId ? await this.users.lock(tx, tenant.tenantId, link.userId) : null;
      if (!user || user.removedAt) return null;
      if (!user.emailVerifiedAt) await this.users.update(tx, tenant.tenantId, user.id, { emailVerifiedAt: new Date() });
      return true;
    });
    if (!done) throw invalidLink();
  }

  /** Mails a new verification link to the caller (an earlier one stops working). */
  async resendVerification(actor: Principal): Promise<{ emailVerified: boolean }> {
    const made = await this.dbs.forTenant(actor, async (tx) => {
      const user = await this.users.find(tx, actor.tenantId, actor.userId);
      if (!user || user.removedAt) throw notFound('USER_NOT_FOUND', 'User not found');
      if (user.emailVerifiedAt) return null;
      const { link, url } = await this.links.issue(tx, actor.tenantId, 'email_verification', { userId: user.id, locale: user.locale });
      return { user, url, expiresAt: link.expiresAt };
    });
    if (!made) return { emailVerified: true };
    await this.links.mail({ to: made.user.email, locale: made.user.locale, template: 'verifyEmail', params: { link: made.url, expiresAt: made.expiresAt } });
    return { emailVerified: false };
  }

  /**
   * Changes one's own password, given the current one (counted like a sign-in, so a stolen
   * token cannot guess it): the caller's session stays, every other one ends.
   */
  async changePassword(actor: Principal, current: string, next: string, clientIp: string | undefined): Promise<void> {
    if (actor.apiKeyId) throw invalid('NOT_A_PERSON', 'An API key has no password');
    const user = await this.dbs.forTenant(actor, (tx) => this.users.find(tx, actor.tenantId, actor.userId));
    if (!user || user.removedAt) throw notFound('USER_NOT_FOUND', 'User not found');
    const attempt = await this.throttle.beginLogin(TenantDirectory.loginHash(user.email), clientIp);
    if (!(await this.hasher.verify(user.passwordHash, current))) throw unauthenticated('INVALID_CREDENTIALS', 'The current password is wrong');
    await this.throttle.loginSucceeded(attempt);
    const org = await this.tenants.find(actor);
    this.passwords.check(next, { email: user.email, organizationName: org?.name });
    const passwordHash = await this.hasher.hash(next);
    await this.dbs.forTenant(actor, async (tx) => {
      await this.users.update(tx, actor.tenantId, user.id, { passwordHash });
      await this.sessions.revokeAll(tx, actor.tenantId, user.id, 'password_changed', actor.sessionId);
      await this.links.revokePending(tx, actor.tenantId, user.id, 'password_reset');
      await this.audit.record(tx, actor.tenantId, { actor: `user:${user.id}`, action: 'user.password_change', subject: `user:${user.id}`, decision: 'allow' });
    });
    this.sessions.forget(actor.tenantId, user.id);
    await this.links.mail({ to: user.email, locale: user.locale, template: 'passwordChanged', params: {} });
  }
}
