import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

/** A file someone gave us, as stored: its blob, its sniffed type, and the message it went out with. */
export interface Upload {
  id: string;
  blobId: string;
  fileName: string;
  mimeType: string;
  size: number;
  sha256: string;
  createdBy: string | null;
  /** A web chat visitor's file: the session that uploaded it. */
  webchatSessionId: string | null;
  createdAt: Date;
  messageId: string | null;
}

const COLUMNS = `id, blob_id, file_name, mime_type, size::text as size, sha256, created_by, webchat_session_id, created_at, message_id`;

const toUpload = (r: Record<string, unknown>): Upload => ({
  id: r.id as string,
  blobId: r.blob_id as string,
  fileName: r.file_name as string,
  mimeType: r.mime_type as string,
  size: Number(r.size),
  sha256: r.sha256 as string,
  createdBy: (r.created_by as string | null) ?? null,
  webchatSessionId: (r.webchat_session_id as string | null) ?? null,
  createdAt: r.created_at as Date,
  messageId: (r.message_id as string | null) ?? null,
});

/** The uploads table of the tenant's region. */
@Injectable()
export class UploadStore {
  constructor(private readonly dbs: RegionDatabases) {}

  async insert(tenant: TenantRef, u: Omit<Upload, 'createdAt' | 'messageId'>): Promise<Upload> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow(
        tx,
        `insert into uploads (tenant_id, id, blob_id, file_name, mime_type, size, sha256, created_by, webchat_session_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
        [tenant.tenantId, u.id, u.blobId, u.fileName, u.mimeType, u.size, u.sha256, u.createdBy, u.webchatSessionId],
      ),
    );
    return toUpload(row!);
  }

  async find(tenant: TenantRef, id: string): Promise<Upload | null> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow(tx, `select ${COLUMNS} from uploads where tenant_id = $1 and id = $2`, [tenant.tenantId, id]),
    );
    return row ? toUpload(row) : null;
  }

  async findMany(tenant: TenantRef, ids: string[]): Promise<Upload[]> {
    if (ids.length === 0) return [];
    const found = await this.dbs.forTenant(tenant, (tx) =>
      rows(tx, `select ${COLUMNS} from uploads where tenant_id = $1 and id = any($2::uuid[])`, [tenant.tenantId, ids]),
    );
    return found.map(toUpload);
  }

  /** A put's blob nobody refers to (a file refused after it was stored): it goes, and its bytes with it. */
  async releaseBlob(tenant: TenantRef, blobId: string): Promise<void> {
    await this.dbs.forTenant(tenant, (tx) =>
      tx.query(
        `delete from media_blobs b where b.tenant_id = $1 and b.id = $2 and not exists (select 1 from uploads u where u.tenant_id = b.tenant_id and u.blob_id = b.id)`,
        [tenant.tenantId, blobId],
      ),
    );
  }

  /** Uploads never sent, made before `before`: a file nobody sent is not kept. */
  async deleteUnsent(tenant: TenantRef, before: Date): Promise<number> {
    return this.dbs.forTenant(
      tenant,
      async (tx) =>
        (await rows(tx, `delete from uploads where tenant_id = $1 and message_id is null and created_at < $2 returning id`, [tenant.tenantId, before])).length,
    );
  }
}
