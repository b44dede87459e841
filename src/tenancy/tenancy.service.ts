import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { DomainError, forbidden, invalid, notFound, unauthenticated } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { AuthThrottle } from './auth-throttle';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import type { AccessTokenClaims, Principal } from './principal';
import { TenantDirectory, normalizeEmail } from './tenant-directory';
import { TenantEntity, UserEntity, UserRole } from './tenancy.entities';

export interface UserView {
  id: string;
  email: string;
  role: UserRole;
  createdAt: Date;
}

const toUserView = (u: UserEntity): UserView => ({ id: u.id, email: u.email, role: u.role, createdAt: u.createdAt });

/** Which roles each role may create: nobody creates an owner, admins cannot mint admins. */
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
        await tx.insert(TenantEntity, { tenantId, name: input.organizationName.trim(), region });
        await tx.insert(UserEntity, { tenantId, id: userId, email, passwordHash, role: 'owner' });
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
          user: await tx.findOne(UserEntity, { where: { tenantId: route.tenantId, id: route.userId } }),
          tenant: await tx.findOne(TenantEntity, { where: { tenantId: route.tenantId } }),
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
    const tenant = await this.dbs.forTenant(actor, (tx) => tx.findOne(TenantEntity, { where: { tenantId: actor.tenantId } }));
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
      return await this.dbs.forTenant(actor, async (tx) => {
        await tx.insert(UserEntity, { tenantId: actor.tenantId, id, email, passwordHash, role: input.role });
        return toUserView(await tx.findOneOrFail(UserEntity, { where: { tenantId: actor.tenantId, id } }));
      });
    } catch (err) {
      await this.directory.unregisterLogin(email);
      throw err;
    }
  }

  async listUsers(actor: Principal): Promise<UserView[]> {
    const users = await this.dbs.forTenant(actor, (tx) =>
      tx.find(UserEntity, { where: { tenantId: actor.tenantId }, order: { createdAt: 'ASC', id: 'ASC' } }),
    );
    return users.map(toUserView);
  }

  async getTenant(actor: Principal) {
    const t = await this.dbs.forTenant(actor, (tx) => tx.findOne(TenantEntity, { where: { tenantId: actor.tenantId } }));
    if (!t) throw notFound('TENANT_NOT_FOUND', 'Tenant not found');
    return { id: t.tenantId, name: t.name, region: t.region, createdAt: t.createdAt };
  }

  private issueToken(p: Principal): Promise<string> {
    const claims: AccessTokenClaims = { sub: p.userId, tid: p.tenantId, rgn: p.region, role: p.role };
    return this.jwt.signAsync(claims);
  }
}
