import type { TenantRef } from './tenant';

/** A blob as stored: content-addressed within its tenant. */
export interface StoredBlob {
  blobId: string;
  /** Lowercase hex. Two puts of the same bytes in one tenant answer the same blob. */
  sha256: string;
  size: number;
  /** The first bytes (up to 4 KiB), for sniffing the content type without reading the blob again. */
  head: Uint8Array;
}

/** A put stopped at `maxBytes`: nothing of it is kept. */
export class MediaLimitExceeded extends Error {
  constructor(readonly maxBytes: number) {
    super(`media larger than ${maxBytes} bytes`);
    this.name = 'MediaLimitExceeded';
  }
}

/**
 * Where media bytes live: always in the tenant's region, streamed in and out (an adapter never
 * holds a whole file in memory), content-addressed per tenant. What the bytes are (a file name, a
 * type, which message sent them) is the uploads' business, not the store's.
 *
 * A blob lives as long as something refers to it: its row goes with its last reference (a trigger
 * on the referring rows), and with the row the bytes (PostgreSQL: its chunks, by cascade; a
 * directory: the file, at the next `collect`), so every deletion path deletes bytes too.
 */
export abstract class MediaStore {
  /** Streams `source` in; throws MediaLimitExceeded past `maxBytes` (and keeps nothing). */
  abstract put(tenant: TenantRef, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob>;
  /** The blob's bytes in order, a bounded piece at a time; throws if it is not (or no longer) stored. */
  abstract open(tenant: TenantRef, blobId: string): AsyncIterable<Uint8Array>;
  /** Bytes the tenant holds, including puts under way (the quota counts them). */
  abstract usage(tenant: TenantRef): Promise<number>;
  /** Drops puts that never finished (a client gone mid-upload, a crash) and started before `before`; answers how many. */
  abstract sweep(tenant: TenantRef, before: Date): Promise<number>;
  /**
   * Deletes the bytes of blobs whose last reference went since the last call (erasure, retention,
   * termination call it once their deletions committed); answers how many blobs' bytes went.
   */
  abstract collect(tenant: TenantRef): Promise<number>;
}
