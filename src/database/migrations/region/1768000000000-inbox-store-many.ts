import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhook ACK path's group commit across organizations: rows of several tenants of a region
 * stored by one statement, so one commit (one fsync) serves every webhook that arrived meanwhile,
 * not one per organization (with 50 organizations busy at once, inbox_store's per-tenant
 * statements each carried about one row). Row-level security holds as before: each tenant's rows
 * are inserted by their own statement, under that tenant's setting alone; the last setting ends
 * with the call's transaction, as inbox_store's does. Called outside an explicit transaction.
 * Security invoker: it runs with the app role's rights, under the same policies.
 */
export class InboxStoreMany1768000000000 implements MigrationInterface {
  name = 'InboxStoreMany1768000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function inbox_store_many(tenant_ids uuid[], channel_ids uuid[], dedupe_keys text[], payloads text[])
      returns table (stored_channel_id uuid, stored_dedupe_key text)
      language plpgsql security invoker as $$
      declare
        t uuid;
      begin
        for t in select distinct x from unnest(tenant_ids) as x order by 1 loop
          perform set_config('app.tenant_id', t::text, true);
          return query
            with ins as (
              insert into public.inbound_events (tenant_id, channel_id, dedupe_key, payload)
              select t, r.channel_id, r.dedupe_key, r.payload::jsonb
              from unnest(tenant_ids, channel_ids, dedupe_keys, payloads) as r(tenant_id, channel_id, dedupe_key, payload)
              where r.tenant_id = t
              on conflict (tenant_id, channel_id, dedupe_key) do nothing
              returning id, channel_id, dedupe_key),
            jobs as (insert into queue.jobs (kind, tenant_id, ref_id) select 'inbound', t, ins.id from ins)
            select ins.channel_id, ins.dedupe_key from ins;
        end loop;
      end $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function inbox_store_many(uuid[], uuid[], text[], text[])`);
  }
}
