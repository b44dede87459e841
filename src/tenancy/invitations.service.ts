import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { conflict, forbidden, invalid, notFound } from '../../libs/domain/src';
import { AuditLog } from '../audit/audit-log.store';
import { RegionDatabases } from '../database/region-databases';
import { AccountLink, AccountLinkStore } from './account-link.store';
import { AccountLinks } from './account-links.service';
import { AuthThrottle } from './auth-throttle.service';
import { PasswordHasher } from './password-hasher.service';
import { PasswordPolicy } from './password-policy.service';
import type { Principal } from './principal';
import { Sessions, TokenPair } from './sessions.service';
import { TenantDirectory, normalizeEmail } from './tenant-directory.store';
import { TeamRoster } from './team-roster';
import { TenantStore } from './tenant.store';
import type { UserRole } from './tenancy.entities';
import { UserStore } from './user.store';
import { UserView, toUserView } from './tenancy.service';

export interface InvitationView {
  id: string;
  email: string;
  role: 'admin' | 'agent';
  teamIds: string[];
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  /** Whether the mail went out (it is retried by inviting again). */
  mailSent?: boolean;
}

const toView = (l: AccountLink): InvitationView => ({
  id: l.id,
  email: l.email ?? '',
  role: l.role ?? 'agent',
  teamIds: l.teamIds,
  invitedBy: l.createdBy,
  createdAt: l.createdAt,
  expiresAt: l.expiresAt,
});

/** Which roles each role may invite: the same as it may create. */
const MAY_INVITE: Record<UserRole | 'operator', readonly string[]> = { owner: ['admin', 'agent'], admin: ['agent'], agent: [], operator: [] };

/**
 * Invitations: an owner or admin names an address and a role; the person gets a single-use link
 * that expires in 7 days, and accepting it creates their user with the name and password they
 * choose, signed in at once.
 */
@Injectable()
export class Invitations {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly store: AccountLinkStore,
    private readonly links: AccountLinks,
    private readonly users: UserStore,
    private readonly tenants: TenantStore,
    private readonly sessions: Sessions,
    private readonly hasher: PasswordHasher,
    private readonly passwords: PasswordPolicy,
    private readonly throttle: AuthThrottle,
    private readonly audit: AuditLog,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The teams module's, resolved late: it builds on this module. */
  private get teams(): TeamRoster {
    return this.moduleRef.get(TeamRoster, { strict: false });
  }

  async invite(actor: Principal, input: { email: string; role: 'admin' | 'agent'; teamIds?: string[]; locale?: string }): Promise<InvitationView> {
    if (!MAY_INVITE[actor.role].includes(input.role)) throw forbidden('ROLE_NOT_ALLOWED', `A ${actor.role} cannot invite a user with role ${input.role}`);
    const email = normalizeEmail(input.email);
    await this.throttle.checkEmailConflicts(actor.tenantId);
    if (await this.directory.findLogin(email)) {
      await this.throttle.countEmailConflict(actor.tenantId);
      throw conflict('EMAIL_TAKEN', 'An account with this e-mail address already exists');
    }
    const made = await this.dbs.forTenant(actor, async (tx) => {
      await this.tenants.lock(tx, actor.tenantId);
      if (input.teamIds?.length && !(await this.teams.allExist(tx, actor.tenantId, input.teamIds))) throw notFound('TEAM_NOT_FOUND', 'No such team');
      if (await this.store.hasPendingInvitation(tx, actor.tenantId, email))
        throw conflict('INVITATION_PENDING', 'This address has a pending invitation; revoke it first');
      const { link, url } = await this.links.issue(tx, actor.tenantId, 'invitation', {
        email,
        role: input.role,
        teamIds: input.teamIds ?? [],
        locale: input.locale ?? 'en',
        createdBy: actor.apiKeyId ? undefined : actor.userId,
      });
      await this.audit.record(tx, actor.tenantId, {
        actor: `user:${actor.userId}`,
        action: 'user.invite',
        subject: `invitation:${link.id}`,
        decision: 'allow',
      });
      const org = await this.tenants.find(actor, tx);
      const inviter = actor.apiKeyId ? null : await this.users.find(tx, actor.tenantId, actor.userId);
      return { link, url, organizationName: org?.name ?? '', inviter: inviter?.displayName || inviter?.email || org?.name || '' };
    });
    const mailSent = await this.links.mail({
      to: email,
      locale: made.link.locale,
      template: 'invitation',
      params: { organizationName: made.organizationName, inviterEmail: made.inviter, link: made.url, expiresAt: made.link.expiresAt },
    });
    return { ...toView(made.link), mailSent };
  }

  async list(actor: Principal): Promise<InvitationView[]> {
    return (await this.dbs.forTenant(actor, (tx) => this.store.pendingInvitations(tx, actor.tenantId))).map(toView);
  }

  async revoke(actor: Principal, id: string): Promise<void> {
    await this.dbs.forTenant(actor, async (tx) => {
      if (!(await this.store.revokeInvitation(tx, actor.tenantId, id))) throw notFound('INVITATION_NOT_FOUND', 'Invitation not found');
      await this.audit.record(tx, actor.tenantId, {
        actor: `user:${actor.userId}`,
        action: 'user.invite_revoke',
        subject: `invitation:${id}`,
        decision: 'allow',
      });
    });
  }

  /** Accepts an invitation (once): the user is created with this name and password and signed in. */
  async accept(
    token: unknown,
    input: { displayName: string; password: string; locale?: string },
  ): Promise<TokenPair & { user: UserView; tenant: { id: string; region: string } }> {
    const id = randomUUID();
    let claimed: string | null = null;
    try {
      const done = await this.links.redeem(token, 'invitation', async (tx, link, tenant) => {
        const email = link.email!;
        const org = await this.tenants.find(tenant, tx);
        this.passwords.check(input.password, { email, organizationName: org?.name });
        const passwordHash = await this.hasher.hash(input.password);
        await this.directory.registerLogin({ tenantId: tenant.tenantId, region: tenant.region, userId: id }, email);
        claimed = email;
        const user = await this.users.insert(tx, tenant.tenantId, {
          id,
          email,
          passwordHash,
          role: link.role as 'admin' | 'agent',
          displayName: input.displayName,
          locale: input.locale ?? link.locale,
          // The link reached this address: it is verified.
          emailVerifiedAt: new Date(),
        });
        if (link.teamIds.length) await this.teams.join(tx, tenant.tenantId, id, link.teamIds);
        await this.audit.record(tx, tenant.tenantId, {
          actor: `user:${id}`,
          action: 'user.invite_accept',
          subject: `invitation:${link.id}`,
          decision: 'allow',
        });
        const pair = await this.sessions.open(tx, { ...tenant, userId: id, role: user.role });
        return { ...pair, user: toUserView(user), tenant: { id: tenant.tenantId, region: tenant.region } };
      });
      if (!done) throw invalid('INVALID_TOKEN', 'This invitation is not valid: it was used already, has expired or was revoked; ask for a new one');
      return done;
    } catch (err) {
      if (claimed) await this.directory.unregisterLogin(claimed);
      throw err;
    }
  }
}
