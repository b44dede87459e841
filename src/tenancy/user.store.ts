import { Injectable } from '@nestjs/common';
import { IsNull, type EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { UserEntity, UserRole } from './tenancy.entities';

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  role: UserRole;
  active: boolean;
  createdAt: Date;
  displayName: string | null;
  locale: string;
  emailVerifiedAt: Date | null;
  removedAt: Date | null;
}

const toUser = (u: UserEntity): User => ({
  id: u.id,
  email: u.email,
  passwordHash: u.passwordHash,
  role: u.role,
  active: u.active,
  createdAt: u.createdAt,
  displayName: u.displayName,
  locale: u.locale,
  emailVerifiedAt: u.emailVerifiedAt,
  removedAt: u.removedAt,
});

export type UserChanges = Partial<Pick<UserEntity, 'displayName' | 'locale' | 'emailVerifiedAt' | 'passwordHash' | 'role' | 'active' | 'removedAt' | 'email'>>;

/** The `users` table of a region: the organization's people, their roles and whether they are active. */
@Injectable()
export class UserStore {
  constructor(private readonly dbs: RegionDatabases) {}

  async insert(
    tx: EntityManager,
    tenantId: string,
    user: { id: string; email: string; passwordHash: string; role: UserRole; displayName?: string | null; locale?: string; emailVerifiedAt?: Date | null },
  ): Promise<User> {
    await tx.insert(UserEntity, { tenantId, ...user });
    return toUser(await tx.findOneOrFail(UserEntity, { where: { tenantId, id: user.id } }));
  }

  /** `tx`: inside a caller's transaction (it may lock the row with `forUpdate`). */
  async find(tx: EntityManager, tenantId: string, id: string): Promise<User | null> {
    const user = await tx.findOne(UserEntity, { where: { tenantId, id } });
    return user ? toUser(user) : null;
  }

  exists(tenant: TenantRef, id: string): Promise<boolean> {
    return this.dbs.forTenant(tenant, (tx) => tx.exists(UserEntity, { where: { tenantId: tenant.tenantId, id, removedAt: IsNull() } }));
  }

  /** The organization's users, without removed ones. */
  async list(tenant: TenantRef): Promise<User[]> {
    const users = await this.dbs.forTenant(tenant, (tx) =>
      tx.find(UserEntity, { where: { tenantId: tenant.tenantId, removedAt: IsNull() }, order: { createdAt: 'ASC', id: 'ASC' } }),
    );
    return users.map(toUser);
  }

  async update(tx: EntityManager, tenantId: string, id: string, changes: UserChanges): Promise<void> {
    await tx.update(UserEntity, { tenantId, id }, changes);
  }

  /** The user, locked for the rest of the transaction. */
  async lock(tx: EntityManager, tenantId: string, id: string): Promise<User | null> {
    const user = await tx.findOne(UserEntity, { where: { tenantId, id }, lock: { mode: 'pessimistic_write' } });
    return user ? toUser(user) : null;
  }

  /** The organization's owners, locked in id order: changes to owners then happen one at a time. */
  lockOwners(tx: EntityManager, tenantId: string): Promise<Array<{ id: string; active: boolean }>> {
    return rows<{ id: string; active: boolean }>(tx, `select id, active from users where tenant_id = $1 and role = 'owner' order by id for update`, [tenantId]);
  }

  async setActive(tx: EntityManager, tenantId: string, id: string, active: boolean): Promise<void> {
    await tx.update(UserEntity, { tenantId, id }, { active });
  }
}
