import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Media bytes (issue 16) in the tenant's own region database. A blob is content-addressed per
 * tenant (sha256, unique once stored) and kept as ordered chunks, so no statement ever moves a
 * whole file. An upload is one file someone sent us (name, sniffed type), pointing at its blob;
 * once sent, it belongs to its message and goes with it (cascade). The blob goes with its last
 * upload (trigger), so every path that deletes messages or uploads (erasure, retention, channel
 * purge, tenant termination) deletes the bytes too, without knowing about them.
 */
export class Media1766600000000 implements MigrationInterface {
  name = 'Media1766600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table tenants add column media_quota_bytes bigint check (media_quota_bytes >= 0)`);
    await q.query(`
      create table media_blobs (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null,
        sha256 bytea check (octet_length(sha256) = 32),
        size bigint not null default 0,
        created_at timestamptz(3) not null default now(),
        stored_at timestamptz(3),
        primary key (tenant_id, id),
        check ((stored_at is null) = (sha256 is null))
      )`);
    await q.query(`create unique index media_blobs_sha256_key on media_blobs (tenant_id, sha256)`);
    await q.query(`create index media_blobs_pending_idx on media_blobs (tenant_id, created_at) where stored_at is null`);
    await q.query(`
      create table media_chunks (
        tenant_id uuid not null,
        blob_id uuid not null,
        seq int not null check (seq >= 0),
        data bytea not null,
        primary key (tenant_id, blob_id, seq),
        foreign key (tenant_id, blob_id) references media_blobs (tenant_id, id) on delete cascade
      )`);
    // Photos, PDFs and voice notes are compressed already: TOAST compression would only burn CPU.
    await q.query(`alter table media_chunks alter column data set storage external`);
    await q.query(`
      create table uploads (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null,
        blob_id uuid not null,
        file_name text not null,
        mime_type text not null,
        size bigint not null,
        sha256 text not null,
        created_by uuid,
        created_at timestamptz(3) not null default now(),
        message_id uuid,
        primary key (tenant_id, id),
        foreign key (tenant_id, blob_id) references media_blobs (tenant_id, id),
        foreign key (tenant_id, message_id) references messages (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index uploads_blob_idx on uploads (tenant_id, blob_id)`);
    await q.query(`create index uploads_message_idx on uploads (tenant_id, message_id) where message_id is not null`);
    await q.query(`create index uploads_unsent_idx on uploads (tenant_id, created_at) where message_id is null`);
    await q.query(`
      create function media_release_blob() returns trigger language plpgsql as $$
      begin
        delete from media_blobs b where b.tenant_id = old.tenant_id and b.id = old.blob_id
          and not exists (select 1 from uploads u where u.tenant_id = old.tenant_id and u.blob_id = old.blob_id);
        return null;
      end $$`);
    await q.query(`create trigger uploads_release_blob after delete on uploads for each row execute function media_release_blob()`);
    for (const table of ['media_blobs', 'media_chunks', 'uploads']) await enableTenantIsolation(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table uploads`);
    await q.query(`drop function media_release_blob()`);
    await q.query(`drop table media_chunks`);
    await q.query(`drop table media_blobs`);
    await q.query(`alter table tenants drop column media_quota_bytes`);
  }
}
