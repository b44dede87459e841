import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { DomainError, conflict, forbidden, invalid, notFound, unauthenticated } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { AuditLog } from '../audit/audit-log.store';
import { RegionDatabases } from '../database/region-databases';
import { AuthThrottle } from './auth-throttle.service';
import { PasswordHasher } from './password-hasher.service';
import { PasswordPolicy } from './password-policy.service';
import type { AccessTokenClaims, Principal } from './principal';
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
}

const toUserView = (u: User): UserView => ({ id: u.id, email: u.email, role: u.role, active: u.active, createdAt: u.createdAt });

/** Which roles each role may create, and so (de)activate: nobody creates an owner, admins cannot mint admins. */
const MAY_CREATE: Record<UserRole | 'operator', readonly UserRole[]> = { owner: ['admin', 'agent'], admin: ['agent'], agent: [], operator: [] };

@Injectable()
export class TenancyService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly throttle: AuthThrottle,
    private readonly passwords: PasswordPolicy,
    private readonly sessions: SessionValidity,
    private readonly audit: AuditLog,
    private readonly tenants: TenantStore,
    private readonly users: UserStore,
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
  async signup(input: { organizationName: string; email: string; password: string; region?: string }, clientIp: string | undefined) {
    await this.throttle.countSignup(clientIp);
    const region = input.region ?? this.config.defaultRegion;
    if (!this.dbs.hasRegion(region)) throw invalid('UNKNOWN_REGION', `Region "${region}" is not offered; choose one of ${this.dbs.regions().join(', ')}`);
    const tenantId = randomUUID();
    const userId = randomUUID();
    const email = normalizeEmail(input.email);
    this.passwords.check(input.password, { email, organizationName: input.organizationName });
    const passwordHash = await this.hasher.hash(input.password);

    await this.directory.registerTenant(tenantId, region, { userId, email });
    try {
      await this.dbs.forTenant({ tenantId, region }, async (tx) => {
        await this.tenants.insert(tx, { tenantId, name: input.organizationName.trim(), region });
        await this.users.insert(tx, tenantId, { id: userId, email, passwordHash, role: 'owner' });
      });
    } catch (err) {
      await this.directory.unregisterTenant(tenantId);
      throw err;
    }
    const principal: Principal = { tenantId, region, userId, role: 'owner' };
    return {
      accessToken: await this.issueToken(principal),
      tenant: { id: tenantId, region },
      user: { id: userId, email, role: 'owner' as const },
    };
  }

  /**
   * Signs in, within the limits of AuthThrottle (the attempt is counted before the password is
   * checked). A deactivated user learns so only with the right password; an organization being
   * terminated no longer signs anyone in.
   */
  async login(email: string, password: string, clientIp: string | undefined): Promise<{ accessToken: string }> {
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
    if (!user.active) throw forbidden('USER_DEACTIVATED', 'This user has been deactivated; ask an owner or admin of the organization');
    return { accessToken: await this.issueToken({ tenantId: route.tenantId, region: route.region, userId: user.id, role: user.role }) };
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
   * Deactivates (or reactivates) a user of the actor's organization: they cannot sign in, and
   * their tokens stop at once on this instance, within SESSION_CHECK_TTL_MS elsewhere. Anyone
   * may deactivate themselves, except the last active owner: an organization always keeps one.
   */
  async setActive(actor: Principal, userId: string, active: boolean): Promise<UserView> {
    const view = await this.dbs.forTenant(actor, async (tx) => {
      // Owners first, locked: two owners deactivating each other at once cannot both succeed.
      const owners = await this.users.lockOwners(tx, actor.tenantId);
      const target = await this.users.find(tx, actor.tenantId, userId);
      if (!target) throw notFound('USER_NOT_FOUND', 'User not found');
      if (target.id !== actor.userId && !MAY_CREATE[actor.role].includes(target.role)) {
        throw forbidden('ROLE_NOT_ALLOWED', `A ${actor.role} cannot change a user with role ${target.role}`);
      }
      if (!active && target.role === 'owner' && !owners.some((o) => o.active && o.id !== target.id)) {
        throw conflict('LAST_OWNER', 'The organization must keep an active owner');
      }
      if (target.active !== active) {
        await this.users.setActive(tx, actor.tenantId, userId, active);
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

  async getTenant(actor: Principal) {
    const t = await this.tenants.find(actor);
    if (!t) throw notFound('TENANT_NOT_FOUND', 'Tenant not found');
    return { id: t.tenantId, name: t.name, region: t.region, createdAt: t.createdAt };
  }

  private issueToken(p: Principal): Promise<string> {
    const claims: AccessTokenClaims = { sub: p.userId, tid: p.tenantId, rgn: p.region, role: p.role };
    return this.jwt.signAsync(claims);
  }
}
