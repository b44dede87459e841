import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Attachment, MediaCopyFailure, StoredBlob, TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow } from '../database/sql';

/** An inbound message whose files are to be copied. */
export interface MessageWithMedia {
  id: string;
  channelId: string;
  externalId: string | null;
  attachments: Attachment[];
}

/**
 * The rows of inbound media copies: which attachments of a message wait for their copy, and the
 * outcome of each, written into the message's attachment (the messages API shows it) with an
 * upload row for a stored copy. The upload belongs to the message (cascade), and the blob to its
 * uploads (trigger), so every path that deletes the message deletes the copied bytes too.
 */
@Injectable()
export class InboundMediaStore {
  constructor(private readonly dbs: RegionDatabases) {}

  async message(tenant: TenantRef, messageId: string): Promise<MessageWithMedia | null> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ id: string; channel_id: string; external_id: string | null; attachments: Attachment[] }>(
        tx,
        `select id, channel_id, external_id, attachments from messages where tenant_id = $1 and id = $2 and deleted_at is null`,
        [tenant.tenantId, messageId],
      ),
    );
    return row ? { id: row.id, channelId: row.channel_id, externalId: row.external_id, attachments: row.attachments ?? [] } : null;
  }

  /**
   * The copy of attachment `index` (`fetched`, as it was when its file was fetched) is stored: its
   * upload row, and the attachment names it. If the message is gone or that attachment no longer
   * waits (erased, or an edit put another file there meanwhile), the copy is not kept: the blob
   * goes unless something else refers to it. Answers whether it was kept.
   */
  async stored(
    tenant: TenantRef,
    messageId: string,
    index: number,
    fetched: Attachment,
    blob: StoredBlob,
    file: { fileName: string; mimeType: string },
  ): Promise<boolean> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const t = tenant.tenantId;
      const current = await this.lockPending(tx, t, messageId, index);
      if (!current || current.ref !== fetched.ref || current.url !== fetched.url) {
        await this.releaseIn(tx, t, blob.blobId);
        return false;
      }
      const uploadId = randomUUID();
      await tx.query(
        `insert into uploads (tenant_id, id, blob_id, file_name, mime_type, size, sha256, created_by, message_id) values ($1, $2, $3, $4, $5, $6, $7, null, $8)`,
        [t, uploadId, blob.blobId, file.fileName, file.mimeType, blob.size, blob.sha256, messageId],
      );
      const { failure: _failure, ...rest } = current;
      const next: Attachment = { ...rest, uploadId, mimeType: file.mimeType, size: blob.size, sha256: blob.sha256, state: 'stored' } as Attachment;
      if (!rest.name) next.name = file.fileName;
      await this.replace(tx, t, messageId, index, next);
      return true;
    });
  }

  /** A blob put for a copy that could not be recorded: it goes unless something else refers to it (nothing else would ever delete it). */
  async release(tenant: TenantRef, blobId: string): Promise<void> {
    await this.dbs.forTenant(tenant, (tx) => this.releaseIn(tx, tenant.tenantId, blobId));
  }

  private async releaseIn(tx: EntityManager, tenantId: string, blobId: string): Promise<void> {
    await tx.query(
      `delete from media_blobs b where b.tenant_id = $1 and b.id = $2
       and not exists (select 1 from uploads u where u.tenant_id = b.tenant_id and u.blob_id = b.id)`,
      [tenantId, blobId],
    );
  }

  /** The copies of these attachments failed for good, for `failure`. */
  async failed(tenant: TenantRef, messageId: string, indexes: readonly number[], failure: MediaCopyFailure): Promise<void> {
    await this.dbs.forTenant(tenant, (tx) => this.failIn(tx, tenant.tenantId, messageId, indexes, failure));
  }

  /** The same inside a transaction of the caller's (a job parked). Attachments no longer waiting are left as they are. */
  async failIn(tx: EntityManager, tenantId: string, messageId: string, indexes: readonly number[], failure: MediaCopyFailure): Promise<void> {
    for (const index of indexes) {
      const current = await this.lockPending(tx, tenantId, messageId, index);
      if (current) await this.replace(tx, tenantId, messageId, index, { ...current, state: 'failed', failure });
    }
  }

  /** The attachments of the message still waiting for their copy, by index. */
  static pendingIndexes(attachments: readonly Attachment[]): number[] {
    return attachments.flatMap((a, i) => (a.state === 'pending' ? [i] : []));
  }

  private async lockPending(tx: EntityManager, tenantId: string, messageId: string, index: number): Promise<Attachment | null> {
    const row = await firstRow<{ attachment: Attachment | null }>(
      tx,
      `select attachments -> $3::int as attachment from messages where tenant_id = $1 and id = $2 and deleted_at is null for update`,
      [tenantId, messageId, index],
    );
    return row?.attachment?.state === 'pending' ? row.attachment : null;
  }

  private async replace(tx: EntityManager, tenantId: string, messageId: string, index: number, attachment: Attachment): Promise<void> {
    await tx.query(`update messages set attachments = jsonb_set(attachments, array[$3::text], $4::jsonb) where tenant_id = $1 and id = $2`, [
      tenantId,
      messageId,
      String(index),
      JSON.stringify(attachment),
    ]);
  }
}
