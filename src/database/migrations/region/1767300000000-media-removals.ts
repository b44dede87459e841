import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * A note of every media blob deleted, whatever deleted it (erasure, retention, a purge, the
 * termination of the tenant): a store keeping bytes outside the database (a directory per
 * region) reads these notes to delete the files, then drops them. No foreign key to tenants on
 * purpose: the notes of a terminated tenant must outlive its row until its files are gone.
 */
export class MediaRemovals1767300000000 implements MigrationInterface {
  name = 'MediaRemovals1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table media_removals (
        tenant_id uuid not null,
        blob_id uuid not null,
        removed_at timestamptz(3) not null default now(),
        primary key (tenant_id, blob_id)
      )`);
    await q.query(`
      create function media_note_removal() returns trigger language plpgsql as $$
      begin
        insert into media_removals (tenant_id, blob_id) values (old.tenant_id, old.id) on conflict do nothing;
        return null;
      end $$`);
    await q.query(`create trigger media_blobs_note_removal after delete on media_blobs for each row execute function media_note_removal()`);
    await enableTenantIsolation(q, 'media_removals');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger media_blobs_note_removal on media_blobs`);
    await q.query(`drop function media_note_removal()`);
    await q.query(`drop table media_removals`);
  }
}
