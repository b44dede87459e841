import { createHash, randomUUID } from 'node:crypto';
import { MediaLimitExceeded, MediaStore, StoredBlob, TenantRef, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

/** Rows of 256 KiB: big enough that a 100 MB file is 400 short statements, small enough to stream. */
export const CHUNK_BYTES = 256 * 1024;
const HEAD_BYTES = 4096;

/**
 * Media in the tenant's region database (the default store). A put writes its chunks each in a
 * short transaction of its own, so a slow client holds no connection between pieces; the blob is
 * `pending` until its last chunk, then it either becomes the tenant's blob for that sha256 or, if
 * the tenant has those bytes already, gives way to it. Nothing reads a pending blob, and the sweep
 * removes those a client abandoned.
 */
export class PostgresMediaStore extends MediaStore {
  constructor(private readonly dbs: RegionDatabases) {
    super();
  }

  async put(tenant: TenantRef, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob> {
    const t = tenant.tenantId;
    const blobId = randomUUID();
    await this.dbs.forTenant(tenant, (tx) => tx.query(`insert into media_blobs (tenant_id, id) values ($1, $2)`, [t, blobId]));
    const hash = createHash('sha256');
    let size = 0;
    let seq = 0;
    let head: Buffer = Buffer.alloc(0);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      const n = seq++;
      await this.dbs.forTenant(tenant, async (tx) => {
        await tx.query(`insert into media_chunks (tenant_id, blob_id, seq, data) values ($1, $2, $3, $4)`, [t, blobId, n, data]);
        await tx.query(`update media_blobs set size = size + $3 where tenant_id = $1 and id = $2`, [t, blobId, data.length]);
      });
    };
    try {
      for await (const piece of source) {
        const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        size += buf.length;
        if (size > maxBytes) throw new MediaLimitExceeded(maxBytes);
        hash.update(buf);
        if (head.length < HEAD_BYTES) head = Buffer.concat([head, buf.subarray(0, HEAD_BYTES - head.length)]);
        for (let at = 0; at < buf.length;) {
          const take = Math.min(CHUNK_BYTES - pendingBytes, buf.length - at);
          // A copy: the source may reuse its buffer for the next piece.
          pending.push(Buffer.from(buf.subarray(at, at + take)));
          pendingBytes += take;
          at += take;
          if (pendingBytes === CHUNK_BYTES) await flush();
        }
      }
      await flush();
    } catch (err) {
      await this.drop(tenant, blobId).catch(() => undefined);
      throw err;
    }
    const digest = hash.digest();
    const kept = await this.dbs.forTenant(tenant, async (tx) => {
      // Serialises two puts of the same bytes: the second waits, then finds the first's blob.
      await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${t}:${digest.toString('hex')}`]);
      const existing = await firstRow<{ id: string }>(tx, `select id from media_blobs where tenant_id = $1 and sha256 = $2`, [t, digest]);
      if (existing) {
        await tx.query(`delete from media_blobs where tenant_id = $1 and id = $2`, [t, blobId]);
        return existing.id;
      }
      await tx.query(`update media_blobs set sha256 = $3, size = $4, stored_at = now() where tenant_id = $1 and id = $2`, [t, blobId, digest, size]);
      return blobId;
    });
    return { blobId: kept, sha256: digest.toString('hex'), size, head };
  }

  async *open(tenant: TenantRef, blobId: string): AsyncIterable<Uint8Array> {
    const t = tenant.tenantId;
    const blob = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ chunks: number }>(
        tx,
        `select (select count(*) from media_chunks c where c.tenant_id = b.tenant_id and c.blob_id = b.id)::int as chunks
         from media_blobs b where tenant_id = $1 and id = $2 and stored_at is not null`,
        [t, blobId],
      ),
    );
    if (!blob) throw notFound('ATTACHMENT_NOT_FOUND', 'The file is no longer stored');
    for (let seq = 0; seq < blob.chunks; seq++) {
      const row = await this.dbs.forTenant(tenant, (tx) =>
        firstRow<{ data: Buffer }>(tx, `select data from media_chunks where tenant_id = $1 and blob_id = $2 and seq = $3`, [t, blobId, seq]),
      );
      // Deleted while being read (an erasure): the rest is gone too.
      if (!row) throw notFound('ATTACHMENT_NOT_FOUND', 'The file is no longer stored');
      yield row.data;
    }
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

  private drop(tenant: TenantRef, blobId: string): Promise<unknown> {
    return this.dbs.forTenant(tenant, (tx) => tx.query(`delete from media_blobs where tenant_id = $1 and id = $2`, [tenant.tenantId, blobId]));
  }
}
