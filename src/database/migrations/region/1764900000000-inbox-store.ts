import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhook ACK path's write as one statement: set the tenant for row-level security, store
 * the events (duplicates skipped) and their jobs. Called outside an explicit transaction, the
 * call is its own transaction, so a group commit costs one round trip instead of four (BEGIN,
 * set_config, insert, COMMIT); the tenant setting ends with it as it would with COMMIT.
 * Security invoker: it runs with the app role's rights, under the same policies.
 */
export class InboxStore1764900000000 implements MigrationInterface {
  name = 'InboxStore1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function inbox_store(tenant uuid, channel_ids uuid[], dedupe_keys text[], payloads text[])
      returns table (stored_channel_id uuid, stored_dedupe_key text)
      language plpgsql security invoker as $$
      begin
        perform set_config('app.tenant_id', tenant::text, true);
        return query
          with ins as (
            insert into public.inbound_events (tenant_id, channel_id, dedupe_key, payload)
            select tenant, t.channel_id, t.dedupe_key, t.payload::jsonb
            from unnest(channel_ids, dedupe_keys, payloads) as t(channel_id, dedupe_key, payload)
            on conflict (tenant_id, channel_id, dedupe_key) do nothing
            returning id, channel_id, dedupe_key),
          jobs as (insert into queue.jobs (kind, tenant_id, ref_id) select 'inbound', tenant, ins.id from ins)
          select ins.channel_id, ins.dedupe_key from ins;
      end $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function inbox_store(uuid, uuid[], text[], text[])`);
  }
}
