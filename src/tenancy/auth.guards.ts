import { CanActivate, ExecutionContext, Injectable, SetMetadata, Type, UseGuards, applyDecorators, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ExtractJwt } from 'passport-jwt';
import { forbidden, unauthenticated } from '../../libs/domain/src';
import { ApiErrors } from '../common/api-contract';
import { ApiKeys } from './api-keys.service';
import { OperatorAccess } from './operator-access.service';
import type { Principal } from './principal';
import { SessionValidity } from './session-validity.service';
import type { UserRole } from './tenancy.entities';
import { VerifiedTokens } from './verified-tokens';

const ROLES_KEY = 'mm:roles';

/** Restricts a route to the listed roles (checked after authentication). */
export const Roles = (...roles: UserRole[]) => applyDecorators(SetMetadata(ROLES_KEY, roles), ApiErrors('ROLE_REQUIRED'));

/** The authenticated caller; the only way controllers learn the tenant. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest().user);

/** This app's access tokens already verified (one per app: tests run apps with other secrets side by side). */
@Injectable()
export class VerifiedAccessTokens extends VerifiedTokens<Principal> {}

/** The token as the strategy takes it (jwt.strategy.ts): what is remembered is exactly what was verified. */
const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly operators: OperatorAccess,
    private readonly sessions: SessionValidity,
    private readonly apiKeys: ApiKeys,
    private readonly verified: VerifiedAccessTokens,
  ) {
    super();
  }

  /**
   * Authenticates: a valid signature, then a user (or operator) and organization that still
   * exist and are active, and a live session; the role is the user's current one. Or an API
   * key (`Bearer mm_…`) that is live: see ApiKeys. An operator's token is then scoped to a tenant only through a live
   * grant. (The second check lives here, not in the passport strategy: passport keeps one
   * strategy per name for the whole process, the guard belongs to its app.)
   */
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest();
    // An API key (mm_…): checked, its use recorded, no JWT involved.
    const key = /^Bearer +(mm_\S+)\s*$/i.exec(req.headers?.authorization ?? '')?.[1];
    if (key) {
      const principal = await this.apiKeys.authenticate(key, { method: req.method, path: String(req.url ?? '').split('?')[0] });
      if (!principal) throw unauthenticated('UNAUTHENTICATED', 'A valid bearer token is required');
      req.user = principal;
      return true;
    }
    // A token seen before is not verified again until it expires (see VerifiedTokens); the checks below run every time.
    const token = req.headers ? (bearerToken(req) ?? undefined) : undefined;
    const known = token ? this.verified.get(token) : undefined;
    if (known) req.user = known;
    else {
      await super.canActivate(ctx);
      if (token) this.verified.remember(token, req.user as Principal);
    }
    const current = await this.sessions.current(req.user as Principal);
    if (!current) throw unauthenticated('UNAUTHENTICATED', 'A valid bearer token is required');
    req.user = current;
    if ((req.user as Principal).role === 'operator') req.user = await this.operators.admit(req.user, req);
    return true;
  }

  handleRequest<T>(err: unknown, user: T): T {
    if (err || !user) throw unauthenticated('UNAUTHENTICATED', 'A valid bearer token is required');
    return user;
  }
}

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!roles) return true;
    const principal: Principal | undefined = ctx.switchToHttp().getRequest().user;
    if (principal && (roles as string[]).includes(principal.role)) return true;
    throw forbidden('ROLE_REQUIRED', `This action needs one of the roles: ${roles.join(', ')}`);
  }
}

/**
 * A route (or every route of a controller) for signed-in users: bearer token checked, then the
 * roles, then any `guards` that need the principal (they run after authentication, in order).
 * A method-level `@Roles(...)` narrows a controller's roles for that route.
 */
export const Authenticated = (opts: { roles?: UserRole[]; guards?: Type<CanActivate>[] } = {}) =>
  applyDecorators(ApiBearerAuth(), UseGuards(JwtAuthGuard, RolesGuard, ...(opts.guards ?? [])), ...(opts.roles ? [Roles(...opts.roles)] : []));
