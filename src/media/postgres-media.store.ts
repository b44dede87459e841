import { MediaLimitExceeded, MediaStore, StoredBlob, TenantRef, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';
import { Semaphore } from '../common/semaphore';
import { MediaBlobRows, PutTally } from './media-blob.rows';

/** Rows of 256 KiB: big enough that a 100 MB file is 400 short statements, small enough to stream. */
export const CHUNK_BYTES = 256 * 1024;
/**
 * Chunk writes in flight per process. node-postgres sends a bytea as hex text (twice its size):
 * bounding the writes bounds that memory whatever the number of uploads; a waiting upload stops
 * reading its request, so the client's TCP window holds the rest.
 */
const CHUNK_WRITES_IN_FLIGHT = 8;

/**
 * Media in the tenant's region database (the default store). A put writes its chunks each in a
 * short transaction of its own, so a slow client holds no connection between pieces; the blob is
 * `pending` until its last chunk (see MediaBlobRows). Nothing reads a pending blob, and the sweep
 * removes those a client abandoned. The chunks go with their blob row (cascade).
 */
export class PostgresMediaStore extends MediaStore {
  private readonly blobs: MediaBlobRows;
  private readonly writes = new Semaphore(CHUNK_WRITES_IN_FLIGHT);

  constructor(private readonly dbs: RegionDatabases) {
    super();
    this.blobs = new MediaBlobRows(dbs);
  }

  async put(tenant: TenantRef, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob> {
    const t = tenant.tenantId;
    const blobId = await this.blobs.begin(tenant);
    const tally = new PutTally(maxBytes);
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const pieces = pending;
      const bytes = pendingBytes;
      pending = [];
      pendingBytes = 0;
      const n = seq++;
      // Joined only once a write may start: a waiting upload holds its pieces, not a second copy.
      await this.writes.run(() =>
        this.dbs.forTenant(tenant, async (tx) => {
          await tx.query(`insert into media_chunks (tenant_id, blob_id, seq, data) values ($1, $2, $3, $4)`, [t, blobId, n, Buffer.concat(pieces, bytes)]);
          await tx.query(`update media_blobs set size = size + $3 where tenant_id = $1 and id = $2`, [t, blobId, bytes]);
        }),
      );
    };
    try {
      for await (const piece of source) {
        const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        if (!tally.add(buf)) throw new MediaLimitExceeded(maxBytes);
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
      await this.blobs.drop(tenant, blobId).catch(() => undefined);
      throw err;
    }
    const digest = tally.digest();
    const kept = await this.blobs.keep(tenant, blobId, digest, tally.size);
    return { blobId: kept, sha256: digest.toString('hex'), size: tally.size, head: tally.head };
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

  usage(tenant: TenantRef): Promise<number> {
    return this.blobs.usage(tenant);
  }

  sweep(tenant: TenantRef, before: Date): Promise<number> {
    return this.blobs.sweep(tenant, before);
  }

  /** The bytes went with the rows: only the removal notes, kept for stores outside the database, are cleared. */
  async collect(tenant: TenantRef): Promise<number> {
    await this.blobs.forgetRemoved(tenant, 'all');
    return 0;
  }
}
