import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { firstRow, rows } from '../database/sql';

export type LinkPurpose = 'invitation' | 'password_reset' | 'email_verification';

export interface AccountLink {
  id: string;
  purpose: LinkPurpose;
  userId: string | null;
  email: string | null;
  role: 'admin' | 'agent' | null;
  teamIds: string[];
  locale: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, purpose, user_id, email, role, team_ids, locale, created_by, created_at, expires_at, used_at, revoked_at`;
const toLink = (r: Record<string, unknown>): AccountLink => ({
  id: r.id as string,
  purpose: r.purpose as LinkPurpose,
  userId: r.user_id as string | null,
  email: r.email as string | null,
  role: r.role as AccountLink['role'],
  teamIds: (r.team_ids as string[]) ?? [],
  locale: r.locale as string,
  createdBy: r.created_by as string | null,
  createdAt: r.created_at as Date,
  expiresAt: r.expires_at as Date,
  usedAt: r.used_at as Date | null,
  revokedAt: r.revoked_at as Date | null,
});

/** `account_links`: single-use, expiring links mailed to people (invitations, password reset, address verification); tokens stored as SHA-256. */
@Injectable()
export class AccountLinkStore {
  async insert(
    tx: EntityManager,
    tenantId: string,
    link: {
      purpose: LinkPurpose;
      tokenHash: Buffer;
      ttlSeconds: number;
      userId?: string;
      email?: string;
      role?: string;
      teamIds?: string[];
      locale?: string;
      createdBy?: string;
    },
  ): Promise<AccountLink> {
    const row = await firstRow(
      tx,
      `insert into account_links (tenant_id, purpose, token_hash, user_id, email, role, team_ids, locale, created_by, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10)) returning ${COLUMNS}`,
      [
        tenantId,
        link.purpose,
        link.tokenHash,
        link.userId ?? null,
        link.email ?? null,
        link.role ?? null,
        link.teamIds ?? [],
        link.locale ?? 'en',
        link.createdBy ?? null,
        link.ttlSeconds,
      ],
    );
    return toLink(row!);
  }

  /** The link of a token for `purpose`, locked: a second use in parallel waits, then finds it used. */
  async lockByToken(tx: EntityManager, tenantId: string, purpose: LinkPurpose, tokenHash: Buffer): Promise<AccountLink | null> {
    const row = await firstRow(tx, `select ${COLUMNS} from account_links where tenant_id = $1 and token_hash = $2 and purpose = $3 for update`, [
      tenantId,
      tokenHash,
      purpose,
    ]);
    return row ? toLink(row) : null;
  }

  async markUsed(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query(`update account_links set used_at = now() where tenant_id = $1 and id = $2`, [tenantId, id]);
  }

  /** Revokes the pending links of `purpose` for a user (a newer link replaces them, a password change ends them). */
  async revokePendingOf(tx: EntityManager, tenantId: string, userId: string, purpose: LinkPurpose): Promise<void> {
    await tx.query(
      `update account_links set revoked_at = now() where tenant_id = $1 and user_id = $2 and purpose = $3 and used_at is null and revoked_at is null`,
      [tenantId, userId, purpose],
    );
  }

  /** Pending invitations (not used, revoked nor expired), newest first. */
  async pendingInvitations(tx: EntityManager, tenantId: string): Promise<AccountLink[]> {
    const found = await rows(
      tx,
      `select ${COLUMNS} from account_links where tenant_id = $1 and purpose = 'invitation' and used_at is null and revoked_at is null and expires_at > now()
       order by created_at desc, id desc limit 500`,
      [tenantId],
    );
    return found.map(toLink);
  }

  /** Revokes a pending invitation; false when there is none with that id. */
  async revokeInvitation(tx: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const done = await rows(
      tx,
      `update account_links set revoked_at = now() where tenant_id = $1 and id = $2 and purpose = 'invitation' and used_at is null and revoked_at is null returning id`,
      [tenantId, id],
    );
    return done.length > 0;
  }

  /** Whether a pending invitation for this address exists (one at a time per address). */
  async hasPendingInvitation(tx: EntityManager, tenantId: string, email: string): Promise<boolean> {
    return (
      (
        await rows(
          tx,
          `select 1 from account_links where tenant_id = $1 and purpose = 'invitation' and email = $2 and used_at is null and revoked_at is null and expires_at > now() limit 1`,
          [tenantId, email],
        )
      ).length > 0
    );
  }
}
