import { createHash, randomUUID } from 'node:crypto';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

/**
 * The media_blobs rows every media store keeps, wherever the bytes go: a put starts `pending`,
 * grows as bytes arrive (the quota counts puts under way), and ends either as the tenant's blob
 * for its sha256 or, when the tenant has those bytes already, giving way to that one.
 */
export class MediaBlobRows {
  constructor(private readonly dbs: RegionDatabases) {}

  async begin(tenant: TenantRef): Promise<string> {
    const blobId = randomUUID();
    await this.dbs.forTenant(tenant, (tx) => tx.query(`insert into media_blobs (tenant_id, id) values ($1, $2)`, [tenant.tenantId, blobId]));
    return blobId;
  }

  async grow(tenant: TenantRef, blobId: string, bytes: number): Promise<void> {
    await this.dbs.forTenant(tenant, (tx) =>
      tx.query(`update media_blobs set size = size + $3 where tenant_id = $1 and id = $2`, [tenant.tenantId, blobId, bytes]),
    );
  }

  /**
   * The blob id the bytes are kept under: this put's, or the one already holding the same bytes
   * (this put's row then goes). `beforeKeeping` runs just before this put's row is marked stored,
   * in its transaction (a directory store moves its file into place there).
   */
  async keep(tenant: TenantRef, blobId: string, digest: Buffer, size: number, beforeKeeping: () => Promise<void> = async () => undefined): Promise<string> {
    const t = tenant.tenantId;
    return this.dbs.forTenant(tenant, async (tx) => {
      // Serialises two puts of the same bytes: the second waits, then finds the first's blob.
      await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${t}:${digest.toString('hex')}`]);
      const existing = await firstRow<{ id: string }>(tx, `select id from media_blobs where tenant_id = $1 and sha256 = $2`, [t, digest]);
      if (existing) {
        await tx.query(`delete from media_blobs where tenant_id = $1 and id = $2`, [t, blobId]);
        return existing.id;
      }
      await beforeKeeping();
      await tx.query(`update media_blobs set sha256 = $3, size = $4, stored_at = now() where tenant_id = $1 and id = $2`, [t, blobId, digest, size]);
      return blobId;
    });
  }

  drop(tenant: TenantRef, blobId: string): Promise<unknown> {
    return this.dbs.forTenant(tenant, (tx) => tx.query(`delete from media_blobs where tenant_id = $1 and id = $2`, [tenant.tenantId, blobId]));
  }

  async isStored(tenant: TenantRef, blobId: string): Promise<boolean> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow(tx, `select 1 from media_blobs where tenant_id = $1 and id = $2 and stored_at is not null`, [tenant.tenantId, blobId]),
    );
    return row !== null;
  }

  async usage(tenant: TenantRef): Promise<number> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ bytes: string }>(tx, `select coalesce(sum(size), 0)::text as bytes from media_blobs where tenant_id = $1`, [tenant.tenantId]),
    );
    return Number(row?.bytes ?? 0);
  }

  async sweep(tenant: TenantRef, before: Date): Promise<number> {
    return this.dbs.forTenant(
      tenant,
      async (tx) =>
        (await rows(tx, `delete from media_blobs where tenant_id = $1 and stored_at is null and created_at < $2 returning id`, [tenant.tenantId, before]))
          .length,
    );
  }

  /** Up to `limit` blobs deleted since they were last taken (see the media_removals migration). */
  async removed(tenant: TenantRef, limit: number): Promise<string[]> {
    const found = await this.dbs.forTenant(tenant, (tx) =>
      rows<{ blob_id: string }>(tx, `select blob_id from media_removals where tenant_id = $1 order by removed_at limit $2`, [tenant.tenantId, limit]),
    );
    return found.map((r) => r.blob_id);
  }

  async forgetRemoved(tenant: TenantRef, blobIds: string[] | 'all'): Promise<void> {
    await this.dbs.forTenant(tenant, (tx) =>
      blobIds === 'all'
        ? tx.query(`delete from media_removals where tenant_id = $1`, [tenant.tenantId])
        : tx.query(`delete from media_removals where tenant_id = $1 and blob_id = any($2::uuid[])`, [tenant.tenantId, blobIds]),
    );
  }
}

/** Hash, size and the first bytes of a stream as it passes, with the size limit of a put. */
export class PutTally {
  static readonly HEAD_BYTES = 4096;
  private readonly hash = createHash('sha256');
  size = 0;
  head: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {}

  /** Counts a piece in; false once the put is past its limit. */
  add(buf: Buffer): boolean {
    this.size += buf.length;
    if (this.size > this.maxBytes) return false;
    this.hash.update(buf);
    if (this.head.length < PutTally.HEAD_BYTES) this.head = Buffer.concat([this.head, buf.subarray(0, PutTally.HEAD_BYTES - this.head.length)]);
    return true;
  }

  digest(): Buffer {
    return this.hash.digest();
  }
}
