import { MediaLimitExceeded, MediaStore, StoredBlob, TenantRef, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';
import { Semaphore } from '../common/semaphore';
import { MediaBlobRows, PutTally } from './media-blob.rows';

/** Rows of 256 KiB: big enough that a 100 MB file is 400 short statements, small enough to stream. */
export const CHUNK_BYTES = 256 * 1024;
/**
 * Chunks being filled or written at once, per process. An upload reads its request only while it
 * holds one of these turns (filling a chunk, then writing it), so however many uploads run, the
 * bytes held here are at most this many chunks: a waiting upload reads nothing, and its client's
 * TCP window holds the rest. (node-postgres sends a Buffer parameter as binary, not hex: a write
 * costs its chunk and the protocol message's copy.)
 */
const TURNS = 16;
/**
 * A turn reads for at most this long: a slow client writes what it sent so far and queues again,
 * instead of keeping a turn (and everyone behind it) waiting for a whole chunk.
 */
const TURN_READ_MS = 250;

/**
 * Media in the tenant's region database (the default store). A put writes its chunks each in a
 * short transaction of its own, so a slow client holds no connection between pieces; the blob is
 * `pending` until its last chunk (see MediaBlobRows). Nothing reads a pending blob, and the sweep
 * removes those a client abandoned. The chunks go with their blob row (cascade).
 */
export class PostgresMediaStore extends MediaStore {
  private readonly blobs: MediaBlobRows;
  private readonly turns = new Semaphore(TURNS);
  /** Chunk buffers of finished turns, reused (at most TURNS exist): no 256 KiB garbage per chunk. */
  private readonly spare: Buffer[] = [];

  constructor(private readonly dbs: RegionDatabases) {
    super();
    this.blobs = new MediaBlobRows(dbs);
  }

  async put(tenant: TenantRef, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob> {
    const blobId = await this.blobs.begin(tenant);
    const tally = new PutTally(maxBytes);
    const reader = new TurnReader(source[Symbol.asyncIterator](), tally, maxBytes);
    let seq = 0;
    try {
      while (!reader.finished) {
        await this.turns.run(async () => {
          const chunk = this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
          const filled = await reader.fill(chunk, Date.now() + TURN_READ_MS);
          if (filled > 0) await this.writeChunk(tenant, blobId, seq++, chunk.subarray(0, filled));
          // Only after a write that completed: node-postgres has copied the bytes into its message.
          this.spare.push(chunk);
        });
      }
    } catch (err) {
      await this.blobs.drop(tenant, blobId).catch(() => undefined);
      throw err;
    }
    const digest = tally.digest();
    const kept = await this.blobs.keep(tenant, blobId, digest, tally.size);
    return { blobId: kept, sha256: digest.toString('hex'), size: tally.size, head: tally.head };
  }

  private writeChunk(tenant: TenantRef, blobId: string, seq: number, data: Buffer): Promise<void> {
    const t = tenant.tenantId;
    return this.dbs.forTenant(tenant, async (tx) => {
      await tx.query(`insert into media_chunks (tenant_id, blob_id, seq, data) values ($1, $2, $3, $4)`, [t, blobId, seq, data]);
      await tx.query(`update media_blobs set size = size + $3 where tenant_id = $1 and id = $2`, [t, blobId, data.length]);
    });
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

/**
 * Reads a put's source into chunk buffers, one turn at a time: a piece that does not fit waits for
 * the next turn, and a read still waiting when the turn's time is up is picked up by the next one
 * (nothing is read twice or lost).
 */
export class TurnReader {
  finished = false;
  /** What the last piece had beyond the chunk it filled. */
  private rest: Buffer | null = null;
  private waiting: Promise<IteratorResult<Uint8Array>> | null = null;
  private ended = false;

  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    private readonly tally: PutTally,
    private readonly maxBytes: number,
  ) {}

  /** Fills `chunk` from the start until it is full, the source ends, or `deadline`; answers the bytes filled. */
  async fill(chunk: Buffer, deadline: number): Promise<number> {
    let filled = 0;
    for (;;) {
      if (this.rest) {
        const take = this.rest.copy(chunk, filled);
        filled += take;
        this.rest = take < this.rest.length ? this.rest.subarray(take) : null;
      }
      if (filled === chunk.length) return filled;
      if (this.ended) {
        this.finished = true;
        return filled;
      }
      this.waiting ??= this.it.next();
      const next = await beforeDeadline(this.waiting, deadline);
      if (!next) return filled; // a slow client: the read carries over to the next turn
      this.waiting = null;
      if (next.done) {
        this.ended = true;
        continue;
      }
      const buf = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      if (!this.tally.add(buf)) throw new MediaLimitExceeded(this.maxBytes);
      // Copied at the top of the loop, before the next read (the source may reuse its buffer then).
      this.rest = buf;
    }
  }
}

/** The promise's value, or undefined once `deadline` (ms since the epoch) has passed without one. */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
