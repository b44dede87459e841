import { Column, Entity, PrimaryColumn } from 'typeorm';

export type UserRole = 'owner' | 'admin' | 'agent';

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') name: string;
  @Column('text') region: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  /** Set when termination begins: the organization's tokens and sign-ins stop at once, the purge follows. */
  @Column('timestamptz', { name: 'terminating_at', nullable: true }) terminatingAt: Date | null;
}

@Entity('users')
export class UserEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('text') email: string;
  @Column('text', { name: 'password_hash' }) passwordHash: string;
  @Column('text') role: UserRole;
  /** A deactivated user cannot sign in, and their tokens stop working. */
  @Column('boolean', { default: true }) active: boolean;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('text', { name: 'display_name', nullable: true }) displayName: string | null;
  /** The language of the mail they get: `en` or `ru`. */
  @Column('text', { default: 'en' }) locale: string;
  @Column('timestamptz', { name: 'email_verified_at', nullable: true }) emailVerifiedAt: Date | null;
  /** Removed from the organization: the row stays (messages name their author), without the address. */
  @Column('timestamptz', { name: 'removed_at', nullable: true }) removedAt: Date | null;
}

export const TENANCY_ENTITIES = [TenantEntity, UserEntity];
