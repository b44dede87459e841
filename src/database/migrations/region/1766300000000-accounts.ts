import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Account lifecycle: display names, locales and verified addresses on users; sign-in sessions
 * with rotating refresh tokens (a family per session: a reused token revokes it); single-use
 * account links (invitations, password reset, address verification); API keys. Every token is
 * stored as a SHA-256 of itself only. Removed users keep their row (messages name their author)
 * without their address.
 */
export class Accounts1766300000000 implements MigrationInterface {
  name = 'Accounts1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table users
      add column display_name text,
      add column locale text not null default 'en' check (locale in ('en', 'ru')),
      add column email_verified_at timestamptz(3),
      add column removed_at timestamptz(3)`);
    await q.query(`
      create table auth_sessions (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null,
        user_id uuid not null,
        created_at timestamptz(3) not null default now(),
        refreshed_at timestamptz(3),
        expires_at timestamptz(3) not null,
        revoked_at timestamptz(3),
        revoked_reason text,
        primary key (tenant_id, id),
        foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index auth_sessions_user_idx on auth_sessions (tenant_id, user_id) where revoked_at is null`);
    await enableTenantIsolation(q, 'auth_sessions');
    await q.query(`
      create table refresh_tokens (
        tenant_id uuid not null,
        token_hash bytea not null,
        session_id uuid not null,
        created_at timestamptz(3) not null default now(),
        used_at timestamptz(3),
        primary key (tenant_id, token_hash),
        foreign key (tenant_id, session_id) references auth_sessions (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index refresh_tokens_session_idx on refresh_tokens (tenant_id, session_id)`);
    await enableTenantIsolation(q, 'refresh_tokens');
    await q.query(`
      create table account_links (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        purpose text not null check (purpose in ('invitation', 'password_reset', 'email_verification')),
        token_hash bytea not null,
        user_id uuid,
        email text,
        role text check (role in ('admin', 'agent')),
        team_ids uuid[] not null default '{}',
        locale text not null default 'en',
        created_by uuid,
        created_at timestamptz(3) not null default now(),
        expires_at timestamptz(3) not null,
        used_at timestamptz(3),
        revoked_at timestamptz(3),
        primary key (tenant_id, id),
        unique (tenant_id, token_hash),
        foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index account_links_pending_idx on account_links (tenant_id, purpose, created_at desc) where used_at is null and revoked_at is null`);
    await enableTenantIsolation(q, 'account_links');
    await q.query(`
      create table api_keys (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null,
        name text not null,
        role text not null check (role in ('admin', 'agent')),
        prefix text not null,
        secret_hash bytea not null,
        created_by uuid,
        created_at timestamptz(3) not null default now(),
        expires_at timestamptz(3),
        revoked_at timestamptz(3),
        last_used_at timestamptz(3),
        primary key (tenant_id, id),
        unique (tenant_id, secret_hash)
      )`);
    await enableTenantIsolation(q, 'api_keys');
    // The per-request check of a user's token: user, organization and session in one round trip, and
    // the user's role now (a token's role claim may predate an ownership transfer).
    await q.query(`
      create function session_check(tenant uuid, member uuid, session uuid)
      returns table (user_active boolean, tenant_terminating boolean, session_live boolean, user_role text)
      language plpgsql security invoker as $$
      begin
        perform set_config('app.tenant_id', tenant::text, true);
        return query
          select u.active and u.removed_at is null, t.terminating_at is not null,
                 exists (select 1 from public.auth_sessions s
                         where s.tenant_id = tenant and s.id = session and s.user_id = member
                           and s.revoked_at is null and s.expires_at > now()),
                 u.role
          from public.users u join public.tenants t on t.tenant_id = u.tenant_id
          where u.tenant_id = tenant and u.id = member;
      end $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function session_check(uuid, uuid, uuid)`);
    await q.query(`drop table api_keys`);
    await q.query(`drop table account_links`);
    await q.query(`drop table refresh_tokens`);
    await q.query(`drop table auth_sessions`);
    await q.query(`alter table users drop column display_name, drop column locale, drop column email_verified_at, drop column removed_at`);
  }
}
