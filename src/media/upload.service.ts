import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Attachment, MediaLimitExceeded, MediaStore, TenantRef, conflict, invalid, notFound, rejected, tooLarge } from '../../libs/domain/src';
import { LARGEST_MEDIA_BYTES, MediaLimits, mediaKindOf, uploadTypeAllowed } from '../../libs/policy/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';
import { AppConfig } from '../config/app-config';
import { EXTENSION_OF, sniffContentType } from './content-sniffer';
import { Upload, UploadStore } from './upload.store';

/** An upload's bytes, opened for reading. */
export interface OpenedUpload {
  upload: Upload;
  /** Safe to show inline in a browser; otherwise it is only ever served as a download. */
  inline: boolean;
  stream: AsyncIterable<Uint8Array>;
}

const MB = 1024 * 1024;
const megabytes = (n: number) => `${Math.floor((n / MB) * 10) / 10} MB`;

/** A file name as a download offers it: the last path segment, no control characters, at most 200 characters. */
export function cleanFileName(given: string | undefined, mimeType: string): string {
  const base = (given ?? '')
    .split(/[\\/]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(-200);
  return base && base !== '.' && base !== '..' ? base : `file.${EXTENSION_OF[mimeType] ?? 'bin'}`;
}

/**
 * The source, unless it ends before its first byte (then null): an empty file is refused before
 * anything is stored, and a stored file that is gone fails before a response has begun.
 */
export async function nonEmpty(source: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array> | null> {
  const it = source[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.byteLength === 0) first = await it.next();
  if (first.done) return null;
  const head = first.value;
  return {
    async *[Symbol.asyncIterator]() {
      yield head;
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
    },
  };
}

/**
 * Files agents (and later visitors) send: streamed into the tenant's media store under the
 * platform's limit and the tenant's quota, typed by sniffing the bytes, and handed to a message.
 */
@Injectable()
export class UploadService {
  constructor(
    private readonly media: MediaStore,
    private readonly uploads: UploadStore,
    private readonly dbs: RegionDatabases,
    private readonly config: AppConfig,
  ) {}

  /**
   * `limits`: the platform's, when the caller names the channel the file is for (its largest kind
   * here; the kind the file turns out to be is checked when it is sent); else the largest any
   * platform takes. The client's content type is not asked for: the bytes say what they are.
   */
  async upload(
    tenant: TenantRef,
    by: { userId: string } | { webchatSessionId: string; allowedTypes: readonly string[] },
    file: { stream: AsyncIterable<Uint8Array>; fileName?: string },
    limits?: MediaLimits,
  ): Promise<Upload> {
    const ceiling = Math.min(this.config.mediaMaxUploadBytes, limits ? Math.max(...Object.values(limits)) : LARGEST_MEDIA_BYTES);
    const left = await this.spaceLeft(tenant);
    const maxBytes = Math.min(ceiling, left);
    const source = await nonEmpty(file.stream);
    if (!source) throw invalid('UPLOAD_EMPTY', 'The file is empty');
    let blob;
    try {
      blob = await this.media.put(tenant, source, maxBytes);
    } catch (err) {
      if (!(err instanceof MediaLimitExceeded)) throw err;
      if (left < ceiling) throw tooLarge('MEDIA_QUOTA_EXCEEDED', `The organization's file storage is full (${megabytes(left)} left)`);
      throw tooLarge('UPLOAD_TOO_LARGE', `Files may be at most ${megabytes(ceiling)}${limits ? ' on this channel' : ''}`);
    }
    const sniffed = sniffContentType(blob.head);
    // A visitor's file is for one channel already: its type and its kind's limit are checked now.
    if ('allowedTypes' in by) {
      const kind = mediaKindOf(sniffed.mimeType);
      const refusal = !uploadTypeAllowed(by.allowedTypes, sniffed.mimeType)
        ? rejected('UPLOAD_TYPE_NOT_ALLOWED', `Files of type ${sniffed.mimeType} cannot be sent here (allowed: ${by.allowedTypes.join(', ') || 'none'})`)
        : limits && blob.size > limits[kind]
          ? tooLarge('UPLOAD_TOO_LARGE', `A ${kind} may be at most ${megabytes(limits[kind])} here`)
          : null;
      if (refusal) {
        await this.uploads.releaseBlob(tenant, blob.blobId);
        throw refusal;
      }
    }
    return this.uploads.insert(tenant, {
      id: randomUUID(),
      blobId: blob.blobId,
      fileName: cleanFileName(file.fileName, sniffed.mimeType),
      mimeType: sniffed.mimeType,
      size: blob.size,
      sha256: blob.sha256,
      createdBy: 'userId' in by ? by.userId : null,
      webchatSessionId: 'webchatSessionId' in by ? by.webchatSessionId : null,
    });
  }

  async get(tenant: TenantRef, id: string): Promise<Upload> {
    const upload = await this.uploads.find(tenant, id);
    if (!upload) throw notFound('UPLOAD_NOT_FOUND', 'Upload not found');
    return upload;
  }

  async open(tenant: TenantRef, id: string): Promise<OpenedUpload> {
    const upload = await this.get(tenant, id);
    const stream = await nonEmpty(this.media.open(tenant, upload.blobId));
    if (!stream) throw notFound('ATTACHMENT_NOT_FOUND', 'The file is no longer stored');
    return { upload, inline: inlineType(upload.mimeType), stream };
  }

  /**
   * The attachments of a reply made of uploads, checked against the channel's limits: every id
   * must be the tenant's and not sent yet. The outbox gives them to the message in its transaction.
   */
  async attachments(tenant: TenantRef, ids: string[], limits: MediaLimits): Promise<Attachment[]> {
    const found = new Map((await this.uploads.findMany(tenant, ids)).map((u) => [u.id, u]));
    return ids.map((id) => {
      const u = found.get(id);
      if (!u) throw invalid('UPLOAD_NOT_FOUND', `Upload ${id} not found`);
      if (u.messageId) throw conflict('UPLOAD_ALREADY_SENT', `Upload ${id} was sent with another message`);
      const kind = mediaKindOf(u.mimeType);
      if (u.size > limits[kind]) {
        throw tooLarge('ATTACHMENT_TOO_LARGE_FOR_CHANNEL', `${u.fileName}: a ${kind} may be at most ${megabytes(limits[kind])} on this channel`);
      }
      return { type: kind, uploadId: u.id, name: u.fileName, mimeType: u.mimeType, size: u.size, sha256: u.sha256 };
    });
  }

  /** Bytes the tenant may still store under its quota (uploads and copied inbound media alike). */
  async spaceLeft(tenant: TenantRef): Promise<number> {
    return Math.max(0, (await this.quota(tenant)) - (await this.media.usage(tenant)));
  }

  private async quota(tenant: TenantRef): Promise<number> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ quota: string | null }>(tx, `select media_quota_bytes::text as quota from tenants where tenant_id = $1`, [tenant.tenantId]),
    );
    return row?.quota != null ? Number(row.quota) : this.config.mediaQuotaBytes;
  }
}

const INLINE_PREFIXES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'audio/', 'video/'];
const inlineType = (mimeType: string) => INLINE_PREFIXES.some((p) => mimeType.startsWith(p)) && mimeType !== 'image/svg+xml';
