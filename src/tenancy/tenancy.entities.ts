import { Column, Entity, PrimaryColumn } from 'typeorm';

export type UserRole = 'owner' | 'admin' | 'agent';

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text') name: string;
  @Column('text') region: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}

@Entity('users')
export class UserEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('text') email: string;
  @Column('text', { name: 'password_hash' }) passwordHash: string;
  @Column('text') role: UserRole;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}

export const TENANCY_ENTITIES = [TenantEntity, UserEntity];
