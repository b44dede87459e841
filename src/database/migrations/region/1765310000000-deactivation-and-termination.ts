import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users can be deactivated and an organization can be terminating (its purge under way); both
 * end its tokens. session_status answers a token check in one round trip, the way inbox_store
 * does: called outside a transaction it is its own, and the tenant setting ends with it.
 * Termination is a queue job of its own kind, so it survives crashes and is retried.
 */
export class DeactivationAndTermination1765310000000 implements MigrationInterface {
  name = 'DeactivationAndTermination1765310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table users add column active boolean not null default true`);
    await q.query(`alter table tenants add column terminating_at timestamptz(3)`);
    await q.query(`
      create function session_status(tenant uuid, member uuid)
      returns table (user_active boolean, tenant_terminating boolean)
      language plpgsql security invoker as $$
      begin
        perform set_config('app.tenant_id', tenant::text, true);
        return query
          select u.active, t.terminating_at is not null
          from public.users u join public.tenants t on t.tenant_id = u.tenant_id
          where u.tenant_id = tenant and u.id = member;
      end $$`);
    await q.query(`alter table queue.jobs drop constraint jobs_kind_check`);
    await q.query(`alter table queue.jobs add constraint jobs_kind_check check (kind in ('inbound', 'outbound', 'webhook', 'termination'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from queue.jobs where kind = 'termination'`);
    await q.query(`alter table queue.jobs drop constraint jobs_kind_check`);
    await q.query(`alter table queue.jobs add constraint jobs_kind_check check (kind in ('inbound', 'outbound', 'webhook'))`);
    await q.query(`drop function session_status(uuid, uuid)`);
    await q.query(`alter table tenants drop column terminating_at`);
    await q.query(`alter table users drop column active`);
  }
}
