import { createReadStream } from 'node:fs';
import { mkdir, open as openFile, rename, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaLimitExceeded, MediaStore, StoredBlob, TenantRef, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { MediaBlobRows, PutTally } from './media-blob.rows';

/** The quota sees a put under way grow by steps of this much. */
const GROW_STEP_BYTES = 4 * 1024 * 1024;
const READ_BYTES = 256 * 1024;
const COLLECT_BATCH = 500;

const ignoreMissing = (err: NodeJS.ErrnoException) => {
  if (err.code !== 'ENOENT') throw err;
};

/**
 * Media bytes as files in a directory of the tenant's region (MEDIA_DIR_<REGION>), one folder per
 * tenant, one file per blob named by its id; the blob rows stay in the region database
 * (MediaBlobRows), so quota, dedupe by sha256 and references work as with the PostgreSQL store.
 * A put writes `<id>.part` (synced to disk) and renames it into place in the transaction that
 * keeps it. Deleting a blob row leaves a note (media_removals); `collect` deletes those files,
 * so erasure and retention delete bytes as soon as they call it, and every hourly purge does.
 */
export class DirectoryMediaStore extends MediaStore {
  private readonly blobs: MediaBlobRows;

  constructor(
    dbs: RegionDatabases,
    private readonly root: string,
  ) {
    super();
    this.blobs = new MediaBlobRows(dbs);
  }

  async put(tenant: TenantRef, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob> {
    const blobId = await this.blobs.begin(tenant);
    const final = this.path(tenant, blobId);
    const part = `${final}.part`;
    const tally = new PutTally(maxBytes);
    try {
      await mkdir(this.folder(tenant), { recursive: true, mode: 0o700 });
      const file = await openFile(part, 'wx', 0o600);
      try {
        let unreported = 0;
        for await (const piece of source) {
          const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
          if (!tally.add(buf)) throw new MediaLimitExceeded(maxBytes);
          for (let at = 0; at < buf.length;) at += (await file.write(buf, at, buf.length - at)).bytesWritten;
          unreported += buf.length;
          if (unreported >= GROW_STEP_BYTES) {
            await this.blobs.grow(tenant, blobId, unreported);
            unreported = 0;
          }
        }
        await file.sync();
      } finally {
        await file.close();
      }
      const digest = tally.digest();
      const kept = await this.blobs.keep(tenant, blobId, digest, tally.size, () => rename(part, final));
      if (kept !== blobId) await unlink(part).catch(ignoreMissing);
      return { blobId: kept, sha256: digest.toString('hex'), size: tally.size, head: tally.head };
    } catch (err) {
      await unlink(part).catch(() => undefined);
      await this.blobs.drop(tenant, blobId).catch(() => undefined);
      throw err;
    }
  }

  async *open(tenant: TenantRef, blobId: string): AsyncIterable<Uint8Array> {
    if (!(await this.blobs.isStored(tenant, blobId))) throw notFound('ATTACHMENT_NOT_FOUND', 'The file is no longer stored');
    try {
      for await (const piece of createReadStream(this.path(tenant, blobId), { highWaterMark: READ_BYTES })) yield piece as Buffer;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('ATTACHMENT_NOT_FOUND', 'The file is no longer stored');
      throw err;
    }
  }

  usage(tenant: TenantRef): Promise<number> {
    return this.blobs.usage(tenant);
  }

  async sweep(tenant: TenantRef, before: Date): Promise<number> {
    const n = await this.blobs.sweep(tenant, before);
    await this.collect(tenant);
    return n;
  }

  async collect(tenant: TenantRef): Promise<number> {
    let total = 0;
    for (;;) {
      const gone = await this.blobs.removed(tenant, COLLECT_BATCH);
      for (const blobId of gone) {
        const path = this.path(tenant, blobId);
        await unlink(path).catch(ignoreMissing);
        await unlink(`${path}.part`).catch(ignoreMissing);
      }
      if (gone.length) await this.blobs.forgetRemoved(tenant, gone);
      total += gone.length;
      if (gone.length < COLLECT_BATCH) break;
    }
    // A tenant with no file left leaves no folder behind (after a termination, nothing of it at all).
    await rmdir(this.folder(tenant)).catch(() => undefined);
    return total;
  }

  private folder(tenant: TenantRef): string {
    return join(this.root, tenant.tenantId);
  }

  private path(tenant: TenantRef, blobId: string): string {
    return join(this.folder(tenant), blobId);
  }
}

/** One store per region: a directory where MEDIA_DIR_<REGION> names one, else the region's database. */
export class RegionalMediaStore extends MediaStore {
  constructor(
    private readonly byRegion: Readonly<Record<string, MediaStore>>,
    private readonly fallback: MediaStore,
  ) {
    super();
  }

  private of(tenant: TenantRef): MediaStore {
    return this.byRegion[tenant.region] ?? this.fallback;
  }

  put(tenant: TenantRef, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob> {
    return this.of(tenant).put(tenant, source, maxBytes);
  }

  open(tenant: TenantRef, blobId: string): AsyncIterable<Uint8Array> {
    return this.of(tenant).open(tenant, blobId);
  }

  usage(tenant: TenantRef): Promise<number> {
    return this.of(tenant).usage(tenant);
  }

  sweep(tenant: TenantRef, before: Date): Promise<number> {
    return this.of(tenant).sweep(tenant, before);
  }

  collect(tenant: TenantRef): Promise<number> {
    return this.of(tenant).collect(tenant);
  }
}
