import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { toMailLocale } from '../mail/mail-templates';
import { Mailer, SystemMail } from '../mail/mailer.service';
import { AccountLink, AccountLinkStore, LinkPurpose } from './account-link.store';
import { hashToken, mintToken, tenantOfToken } from './opaque-token';
import { TenantDirectory } from './tenant-directory.store';

/** How long each kind of link works. */
export const LINK_TTL_SECONDS: Record<LinkPurpose, number> = {
  invitation: 7 * 24 * 3600,
  password_reset: 3600,
  email_verification: 3 * 24 * 3600,
};

/** The dashboard page each link opens (the token rides in the query). */
const PAGES: Record<LinkPurpose, string> = {
  invitation: 'account/accept-invitation',
  password_reset: 'account/reset-password',
  email_verification: 'account/verify-email',
};

/**
 * Single-use, expiring links mailed to people: minted here (`mml_` tokens, stored hashed) and
 * redeemed here, once. Mail goes out after the transaction that made the link commits; a mail
 * that fails is logged (without its link) and the link can be asked for again.
 */
@Injectable()
export class AccountLinks {
  private readonly log = new Logger('AccountLinks');

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly store: AccountLinkStore,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
  ) {}

  /** Makes a link in the caller's transaction; answers it with its URL (mail it after the commit). */
  async issue(
    tx: EntityManager,
    tenantId: string,
    purpose: LinkPurpose,
    fields: { userId?: string; email?: string; role?: string; teamIds?: string[]; locale?: string; createdBy?: string },
  ): Promise<{ link: AccountLink; url: string }> {
    if (fields.userId && purpose !== 'invitation') await this.store.revokePendingOf(tx, tenantId, fields.userId, purpose);
    const token = mintToken('mml_', tenantId);
    const link = await this.store.insert(tx, tenantId, { purpose, tokenHash: hashToken(token), ttlSeconds: LINK_TTL_SECONDS[purpose], ...fields });
    return { link, url: `${this.config.publicBaseUrl}/${PAGES[purpose]}?token=${token}` };
  }

  /**
   * Redeems a link's token for `purpose` in a transaction on its tenant's region: `use` runs with
   * the link (locked, pending and unexpired) and the link is marked used with its work. Null for
   * a token that is unknown, of another purpose, used, revoked or expired: all alike.
   */
  async redeem<T>(token: unknown, purpose: LinkPurpose, use: (tx: EntityManager, link: AccountLink, tenant: TenantRef) => Promise<T>): Promise<T | null> {
    const tenantId = tenantOfToken('mml_', token);
    if (!tenantId) return null;
    const region = await this.directory.regionOf(tenantId, { active: true });
    if (!region || !this.dbs.hasRegion(region)) return null;
    const tenant = { tenantId, region };
    return this.dbs.forTenant(tenant, async (tx) => {
      const link = await this.store.lockByToken(tx, tenantId, purpose, hashToken(token as string));
      if (!link || link.usedAt || link.revokedAt || link.expiresAt.getTime() <= Date.now()) return null;
      await this.store.markUsed(tx, tenantId, link.id);
      return use(tx, link, tenant);
    });
  }

  /** Revokes a user's pending links of a purpose (a password change ends pending resets). */
  revokePending(tx: EntityManager, tenantId: string, userId: string, purpose: LinkPurpose): Promise<void> {
    return this.store.revokePendingOf(tx, tenantId, userId, purpose);
  }

  /** Sends, logging a failure instead of throwing: the action that asked for the mail stands. */
  async mail(mail: Omit<SystemMail, 'locale'> & { locale: string | null | undefined }): Promise<boolean> {
    try {
      await this.mailer.send({ ...mail, locale: toMailLocale(mail.locale) } as SystemMail);
      return true;
    } catch (err) {
      this.log.warn(`${mail.template} mail could not be sent: ${(err as Error).message}`);
      return false;
    }
  }
}
