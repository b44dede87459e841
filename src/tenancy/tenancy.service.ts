import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DomainError, conflict, forbidden, invalid, notFound, unauthenticated } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { AuditLog } from '../audit/audit-log.store';
import { RegionDatabases } from '../database/region-databases';
import { AuthThrottle } from './auth-throttle.service';
import { PasswordHasher } from './password-hasher.service';
import { PasswordPolicy } from './password-policy.service';
import { AccountLinks } from './account-links.service';
import { AssignedWork } from './assigned-work';
import type { Principal } from './principal';
import { Sessions, TokenPair } from './sessions.service';
import { SessionValidity } from './session-validity.service';
import { TenantDirectory, normalizeEmail } from './tenant-directory.store';
import type { UserRole } from './tenancy.entities';
import { TenantStore } from './tenant.store';
import { User, UserStore } from './user.store';

export interface UserView {
  id: string;
  email: string;
  role: UserRole;
  active: boolean;
  createdAt: Date;
  displayName: string | null;
  /** One or two letters for an avatar: from the display name, else the address. */
  initials: string;
  locale: string;
  emailVerified: boolean;
}

/** One or two capital letters: the first letters of the first two words of the name (or of the address's local part). */
export function initialsOf(displayName: string | null, email: string): string {
  const source = displayName?.trim() || email.split('@')[0];
  const words = source.split(/[\s._-]+/u).filter((w) => /\p{L}|\p{N}/u.test(w));
  const letters = words.slice(0, 2).map((w) => [...w.replace(/[^\p{L}\p{N}]/gu, '')][0] ?? '');
  return letters.join('').toLocaleUpperCase() || '?';
}

export const toUserView = (u: User): UserView => ({
  id: u.id,
  email: u.email,
  role: u.role,
  active: u.active,
  createdAt: u.createdAt,
  displayName: u.displayName,
  initials: initialsOf(u.displayName, u.email),
  locale: u.locale,
  emailVerified: u.emailVerifiedAt !== null,
});

/** Which roles each role may create, and so (de)activate: nobody creates an owner, admins cannot mint admins. */
const MAY_CREATE: Record<UserRole | 'operator', readonly UserRole[]> = { owner: ['admin', 'agent'], admin: ['agent'], agent: [], operator: [] };

@Injectable()
export class TenancyService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly hasher: PasswordHasher,
    private readonly config: AppConfig,
    private readonly throttle: AuthThrottle,
    private readonly passwords: PasswordPolicy,
    private readonly sessions: SessionValidity,
    private readonly audit: AuditLog,
    private readonly tenants: TenantStore,
    private readonly users: UserStore,
    private readonly tokens: Sessions,
    private readonly links: AccountLinks,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * Creates a tenant with its owner. The directory entry claims the e-mail first; if the
   * regional write then fails, the claim is withdrawn so nothing is left half-made.
   *
   * An address that already has an account answers EMAIL_TAKEN: the API signs the new owner in
   * at once, and without a mailer there is no private channel to tell the address's owner
   * instead. That answer is what enumeration would use, so every sign-up counts against the
   * client address's budget (whatever its outcome), and it costs as long as a success (the
   * password is hashed before the directory is asked).
   */
  async signup(input: { organizationName: string; email: string; password: string; region?: string; locale?: string }, clientIp: string | undefined) {
    await this.throttle.countSignup(clientIp);
    const region = input.region ?? this.config.defaultRegion;
    if (!this.dbs.hasRegion(region)) throw invalid('UNKNOWN_REGION', `Region "${region}" is not offered; choose one of ${this.dbs.regions().join(', ')}`);
    const tenantId = randomUUID();
    const userId = randomUUID();
    const email = normalizeEmail(input.email);
    this.passwords.check(input.password, { email, organizationName: input.organizationName });
    const passwordHash = await this.hasher.hash(input.password);

    const locale = input.locale ?? 'en';
    await this.directory.registerTenant(tenantId, region, { userId, email });
    const principal: Principal = { tenantId, region, userId, role: 'owner' };
    let made: { pair: TokenPair; verifyUrl: string; expiresAt: Date };
    try {
      made = await this.dbs.forTenant({ tenantId, region }, async (tx) => {
        await this.tenants.insert(tx, { tenantId, name: input.organizationName.trim(), region });
        await this.users.insert(tx, tenantId, { id: userId, email, passwordHash, role: 'owner', locale });
        const verify = await this.links.issue(tx, tenantId, 'email_verification', { userId, locale });
        return { pair: await this.tokens.open(tx, principal), verifyUrl: verify.url, expiresAt: verify.link.expiresAt };
      });
    } catch (err) {
      await this.directory.unregisterTenant(tenantId);
      throw err;
    }
    await this.links.mail({ to: email, locale, template: 'verifyEmail', params: { link: made.verifyUrl, expiresAt: made.expiresAt } });
    return {
      ...made.pair,
      tenant: { id: tenantId, region },
      user: { id: userId, email, role: 'owner' as const, emailVerified: false },
    };
  }

  /**
   * Signs in, within the limits of AuthThrottle (the attempt is counted before the password is
   * checked). A deactivated user learns so only with the right password; an organization being
   * terminated no longer signs anyone in.
   */
  async login(email: string, password: string, clientIp: string | undefined): Promise<TokenPair> {
    const attempt = await this.throttle.beginLogin(TenantDirectory.loginHash(email), clientIp);
    const route = await this.directory.findLogin(email);
    const found = route
      ? await this.dbs.forTenant(route, async (tx) => ({
          user: await this.users.find(tx, route.tenantId, route.userId),
          tenant: await this.tenants.find(route, tx),
        }))
      : null;
    const user = found?.user;
    const ok = await this.hasher.verify(user?.passwordHash ?? null, password);
    if (!ok || !user || !route) throw unauthenticated('INVALID_CREDENTIALS', 'E-mail or password is wrong');
    await this.throttle.loginSucceeded(attempt);
    if (!found.tenant || found.tenant.terminatingAt) throw unauthenticated('INVALID_CREDENTIALS', 'E-mail or password is wrong');
    if (!user.active || user.removedAt) throw forbidden('USER_DEACTIVATED', 'This user has been deactivated; ask an owner or admin of the organization');
    return this.tokens.openAlone({ tenantId: route.tenantId, region: route.region, userId: user.id, role: user.role });
  }

  async createUser(actor: Principal, input: { email: string; password: string; role: UserRole }): Promise<UserView> {
    if (!MAY_CREATE[actor.role].includes(input.role)) {
      throw forbidden('ROLE_NOT_ALLOWED', `A ${actor.role} cannot create a user with role ${input.role}`);
    }
    await this.throttle.checkEmailConflicts(actor.tenantId);
    const id = randomUUID();
    const email = normalizeEmail(input.email);
    const tenant = await this.tenants.find(actor);
    this.passwords.check(input.password, { email, organizationName: tenant?.name });
    const passwordHash = await this.hasher.hash(input.password);
    try {
      await this.directory.registerLogin({ tenantId: actor.tenantId, region: actor.region, userId: id }, email);
    } catch (err) {
      // The address has an account, maybe in another organization: a budget keeps this from becoming a lookup service.
      if (err instanceof DomainError && err.code === 'EMAIL_TAKEN') await this.throttle.countEmailConflict(actor.tenantId);
      throw err;
    }
    try {
      // Whoever created the user vouches for the address; it can still be verified by mail.
      return toUserView(await this.dbs.forTenant(actor, (tx) => this.users.insert(tx, actor.tenantId, { id, email, passwordHash, role: input.role })));
    } catch (err) {
      await this.directory.unregisterLogin(email);
      throw err;
    }
  }

  async listUsers(actor: Principal): Promise<UserView[]> {
    return (await this.users.list(actor)).map(toUserView);
  }

  /**
   * Deactivates (or reactivates) a user of the actor's organization: they cannot sign in, their
   * sessions end (tokens stop at once on this instance, within SESSION_CHECK_TTL_MS elsewhere),
   * and the conversations assigned to them go to `handOverTo` or back to the queue. Anyone may
   * deactivate themselves, except the last active owner: an organization always keeps one.
   */
  async setActive(actor: Principal, userId: string, active: boolean, handOverTo?: string | null): Promise<UserView> {
    const view = await this.dbs.forTenant(actor, async (tx) => {
      const target = await this.lockChangeable(tx, actor, userId, active ? 'reactivate' : 'leave');
      if (target.active !== active) {
        await this.users.setActive(tx, actor.tenantId, userId, active);
        if (!active) await this.leave(tx, actor, target.id, handOverTo ?? null, 'deactivated');
        await this.audit.record(tx, actor.tenantId, {
          actor: `user:${actor.userId}`,
          action: active ? 'user.activate' : 'user.deactivate',
          subject: `user:${userId}`,
          decision: 'allow',
        });
      }
      return toUserView({ ...target, active });
    });
    this.sessions.forgetUser(actor.tenantId, userId);
    return view;
  }

  /**
   * Changes a colleague's role between admin and agent: the actor must be allowed to manage both
   * the old and the new role (an owner: admin and agent; an admin: neither, since it may only
   * create agents), and never their own role. It applies at once, to tokens already issued too
   * (each request reads the user's current role).
   */
  async changeRole(actor: Principal, userId: string, role: 'admin' | 'agent'): Promise<UserView> {
    const view = await this.dbs.forTenant(actor, async (tx) => {
      const target = await this.users.lock(tx, actor.tenantId, userId);
      if (!target || target.removedAt) throw notFound('USER_NOT_FOUND', 'User not found');
      const powers = MAY_CREATE[actor.role];
      if (target.id === actor.userId || !powers.includes(target.role) || !powers.includes(role)) {
        throw forbidden('ROLE_NOT_ALLOWED', `A ${actor.role} cannot make a ${target.role} an ${role}`);
      }
      if (target.role !== role) {
        await this.users.update(tx, actor.tenantId, userId, { role });
        await this.audit.record(tx, actor.tenantId, {
          actor: `user:${actor.userId}`,
          action: 'user.role_change',
          subject: `user:${userId}`,
          decision: 'allow',
          reason: `${target.role} -> ${role}`,
        });
      }
      return toUserView({ ...target, role });
    });
    this.sessions.forgetUser(actor.tenantId, userId);
    return view;
  }

  /**
   * Removes a user from the organization: deactivated for good, their address forgotten (it may
   * sign up or be invited again), their sessions and links ended, their conversations handed
   * over. The row stays, nameless, because messages and notes name their author.
   */
  async removeUser(actor: Principal, userId: string, handOverTo?: string | null): Promise<void> {
    const email = await this.dbs.forTenant(actor, async (tx) => {
      const target = await this.lockChangeable(tx, actor, userId, 'leave');
      await this.leave(tx, actor, target.id, handOverTo ?? null, 'removed');
      await this.users.update(tx, actor.tenantId, userId, { active: false, removedAt: new Date(), email: `removed-${userId}@invalid`, displayName: null });
      await this.audit.record(tx, actor.tenantId, { actor: `user:${actor.userId}`, action: 'user.remove', subject: `user:${userId}`, decision: 'allow' });
      return target.email;
    });
    await this.directory.unregisterLogin(email);
    this.sessions.forgetUser(actor.tenantId, userId);
  }

  /** The user as they see themselves. */
  async me(actor: Principal): Promise<UserView> {
    const user = await this.dbs.forTenant(actor, (tx) => this.users.find(tx, actor.tenantId, actor.userId));
    if (!user || user.removedAt) throw notFound('USER_NOT_FOUND', 'User not found');
    return toUserView(user);
  }

  /** Changes one's own display name and mail language. */
  async updateMe(actor: Principal, changes: { displayName?: string | null; locale?: string }): Promise<UserView> {
    return this.dbs.forTenant(actor, async (tx) => {
      const user = await this.users.lock(tx, actor.tenantId, actor.userId);
      if (!user || user.removedAt) throw notFound('USER_NOT_FOUND', 'User not found');
      const set = { ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}), ...(changes.locale ? { locale: changes.locale } : {}) };
      if (Object.keys(set).length === 0) throw invalid('EMPTY_PATCH', 'Send displayName and/or locale');
      await this.users.update(tx, actor.tenantId, actor.userId, set);
      return toUserView({ ...user, ...set });
    });
  }

  /**
   * Hands the organization to another active user: they become its owner, the actor an admin.
   * Both changes hold at once: every request reads the caller's role anew (SessionValidity).
   */
  async transferOwnership(actor: Principal, toUserId: string): Promise<{ owner: UserView; previousOwner: UserView }> {
    const { owner, previous, tenantName } = await this.dbs.forTenant(actor, async (tx) => {
      await this.users.lockOwners(tx, actor.tenantId);
      const me = await this.users.find(tx, actor.tenantId, actor.userId);
      const target = await this.users.lock(tx, actor.tenantId, toUserId);
      if (!target || target.removedAt) throw notFound('USER_NOT_FOUND', 'User not found');
      if (!me || me.role !== 'owner') throw forbidden('ROLE_REQUIRED', 'Only an owner can transfer the ownership');
      if (target.id === me.id) throw invalid('ALREADY_OWNER', 'You already own this organization');
      if (!target.active) throw conflict('USER_DEACTIVATED', 'The new owner must be an active user');
      if (target.role === 'owner') throw invalid('ALREADY_OWNER', 'This user is already an owner');
      await this.users.update(tx, actor.tenantId, target.id, { role: 'owner' });
      await this.users.update(tx, actor.tenantId, me.id, { role: 'admin' });
      await this.audit.record(tx, actor.tenantId, {
        actor: `user:${actor.userId}`,
        action: 'tenant.transfer_ownership',
        subject: `user:${target.id}`,
        decision: 'allow',
      });
      const tenant = await this.tenants.find(actor, tx);
      return { owner: { ...target, role: 'owner' as const }, previous: { ...me, role: 'admin' as const }, tenantName: tenant?.name ?? '' };
    });
    this.sessions.forgetUser(actor.tenantId, owner.id);
    this.sessions.forgetUser(actor.tenantId, previous.id);
    await this.links.mail({ to: owner.email, locale: owner.locale, template: 'ownerTransferred', params: { organizationName: tenantName } });
    return { owner: toUserView(owner), previousOwner: toUserView(previous) };
  }

  /**
   * The target of a (de)activation or removal, locked, after the rules: the actor's powers over
   * their role (anyone over themselves), and an organization never without an active owner.
   */
  private async lockChangeable(tx: EntityManager, actor: Principal, userId: string, change: 'leave' | 'reactivate'): Promise<User> {
    // Owners first, locked: two owners deactivating each other at once cannot both succeed.
    const owners = await this.users.lockOwners(tx, actor.tenantId);
    const target = await this.users.lock(tx, actor.tenantId, userId);
    if (!target || target.removedAt) throw notFound('USER_NOT_FOUND', 'User not found');
    if (target.id !== actor.userId && !MAY_CREATE[actor.role].includes(target.role)) {
      throw forbidden('ROLE_NOT_ALLOWED', `A ${actor.role} cannot change a user with role ${target.role}`);
    }
    if (change === 'leave' && target.role === 'owner' && !owners.some((o) => o.active && o.id !== target.id)) {
      throw conflict('LAST_OWNER', 'The organization must keep an active owner');
    }
    return target;
  }

  /** A user leaves (deactivated or removed): sessions and pending links end, their conversations go to `to` or the queue. */
  private async leave(tx: EntityManager, actor: Principal, userId: string, to: string | null, reason: string): Promise<void> {
    if (to !== null) {
      const colleague = to === userId ? null : await this.users.find(tx, actor.tenantId, to);
      if (!colleague || colleague.removedAt || !colleague.active)
        throw invalid('HANDOVER_USER_INVALID', 'handOverTo must be another active user of this organization');
    }
    await this.tokens.revokeAll(tx, actor.tenantId, userId, reason);
    await this.links.revokePending(tx, actor.tenantId, userId, 'password_reset');
    await this.moduleRef.get(AssignedWork, { strict: false }).handOver(tx, actor.tenantId, userId, to);
  }

  async getTenant(actor: Principal) {
    const t = await this.tenants.find(actor);
    if (!t) throw notFound('TENANT_NOT_FOUND', 'Tenant not found');
    return { id: t.tenantId, name: t.name, region: t.region, createdAt: t.createdAt };
  }
}
