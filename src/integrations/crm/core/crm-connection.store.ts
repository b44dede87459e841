import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SqlRow, firstRow, rows } from '../../../database/sql';
import type { SealedSecretColumn } from '../../core/integration-target';

export type CrmConnectionStatus = 'pending_authorization' | 'active' | 'paused' | 'disconnected';

export interface CrmConnection {
  id: string;
  kind: string;
  name: string;
  config: Record<string, unknown>;
  status: CrmConnectionStatus;
  statusReason: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  disconnectedAt: Date | null;
}

export interface CrmConnectionWithSecrets extends CrmConnection {
  /** Sealed credentials; null once disconnected (wiped). */
  sealedCredentials: string | null;
  webhookSecretHash: Buffer;
  /** While an OAuth2 authorization is under way: the hash of its state (single use). */
  oauthStateHash: Buffer | null;
}

/** The AAD of a connection's credentials: the ciphertext opens only in its own row. */
export const crmCredentialsContext = (tenantId: string, connectionId: string) => ({ tenantId, connectionId, purpose: 'crm-credentials' });

const COLUMNS = 'id, kind, name, config, status, status_reason, created_by, created_at, updated_at, disconnected_at';
type Row = SqlRow;
const toConnection = (r: Row): CrmConnection => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  config: r.config,
  status: r.status,
  statusReason: r.status_reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  disconnectedAt: r.disconnected_at,
});

/** `crm_connections`: the tenant's CRM connections, with their sealed credentials. */
@Injectable()
export class CrmConnectionStore {
  /** Where the credentials are sealed (IntegrationSecrets; `npm run secrets:rotate` re-encrypts them). */
  readonly secrets: SealedSecretColumn = {
    context: crmCredentialsContext,
    all: async (tx, tenantId) =>
      (
        await rows<{ id: string; credentials: string }>(
          tx,
          `select id, credentials from crm_connections where tenant_id = $1 and credentials is not null for update`,
          [tenantId],
        )
      ).map((r) => ({
        endpointId: r.id,
        sealed: r.credentials,
      })),
    replace: async (tx, tenantId, id, sealed) => {
      await tx.query(`update crm_connections set credentials = $3 where tenant_id = $1 and id = $2`, [tenantId, id, sealed]);
    },
  };

  async count(tx: EntityManager, tenantId: string): Promise<number> {
    const [{ n }] = await rows<{ n: number }>(tx, `select count(*)::int as n from crm_connections where tenant_id = $1 and status <> 'disconnected'`, [
      tenantId,
    ]);
    return n;
  }

  async insert(
    tx: EntityManager,
    tenantId: string,
    c: {
      id: string;
      kind: string;
      name: string;
      config: Record<string, unknown>;
      sealedCredentials: string;
      webhookSecretHash: Buffer;
      oauthStateHash: Buffer | null;
      status: CrmConnectionStatus;
      createdBy: string;
    },
  ): Promise<CrmConnection> {
    const row = await firstRow(
      tx,
      `insert into crm_connections (tenant_id, id, kind, name, config, credentials, webhook_secret_hash, oauth_state_hash, status, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ${COLUMNS}`,
      [tenantId, c.id, c.kind, c.name, JSON.stringify(c.config), c.sealedCredentials, c.webhookSecretHash, c.oauthStateHash, c.status, c.createdBy],
    );
    return toConnection(row!);
  }

  async list(tx: EntityManager, tenantId: string): Promise<CrmConnection[]> {
    return (await rows(tx, `select ${COLUMNS} from crm_connections where tenant_id = $1 order by created_at, id`, [tenantId])).map(toConnection);
  }

  async find(tx: EntityManager, tenantId: string, id: string, lock = false): Promise<CrmConnection | null> {
    const row = await firstRow(tx, `select ${COLUMNS} from crm_connections where tenant_id = $1 and id = $2 ${lock ? 'for update' : ''}`, [tenantId, id]);
    return row ? toConnection(row) : null;
  }

  async withSecrets(tx: EntityManager, tenantId: string, id: string, lock = false): Promise<CrmConnectionWithSecrets | null> {
    const row = await firstRow(
      tx,
      `select ${COLUMNS}, credentials, webhook_secret_hash, oauth_state_hash from crm_connections where tenant_id = $1 and id = $2 ${lock ? 'for update' : ''}`,
      [tenantId, id],
    );
    return row
      ? { ...toConnection(row), sealedCredentials: row.credentials, webhookSecretHash: row.webhook_secret_hash, oauthStateHash: row.oauth_state_hash }
      : null;
  }

  async setOauthState(tx: EntityManager, tenantId: string, id: string, hash: Buffer | null): Promise<void> {
    await tx.query(`update crm_connections set oauth_state_hash = $3 where tenant_id = $1 and id = $2`, [tenantId, id, hash]);
  }

  async setStatus(tx: EntityManager, tenantId: string, id: string, status: CrmConnectionStatus, reason: string | null): Promise<void> {
    await tx.query(`update crm_connections set status = $3, status_reason = $4, updated_at = now() where tenant_id = $1 and id = $2`, [
      tenantId,
      id,
      status,
      reason,
    ]);
  }

  async replaceCredentials(tx: EntityManager, tenantId: string, id: string, sealed: string, config?: Record<string, unknown>): Promise<void> {
    await tx.query(`update crm_connections set credentials = $3, config = coalesce($4::jsonb, config), updated_at = now() where tenant_id = $1 and id = $2`, [
      tenantId,
      id,
      sealed,
      config ? JSON.stringify(config) : null,
    ]);
  }

  /** Disconnected: sync stops, credentials are wiped, synced data stays until deleted. */
  async disconnect(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query(
      `update crm_connections set status = 'disconnected', status_reason = null, credentials = null, updated_at = now(), disconnected_at = coalesce(disconnected_at, now())
       where tenant_id = $1 and id = $2`,
      [tenantId, id],
    );
  }

  async delete(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query(`delete from crm_connections where tenant_id = $1 and id = $2`, [tenantId, id]);
  }
}
