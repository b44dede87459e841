import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { firstRow, rows } from '../database/sql';

export interface ApiKey {
  id: string;
  name: string;
  role: 'admin' | 'agent';
  prefix: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const COLUMNS = `id, name, role, prefix, created_by, created_at, expires_at, revoked_at, last_used_at`;
const toKey = (r: Record<string, unknown>): ApiKey => ({
  id: r.id as string,
  name: r.name as string,
  role: r.role as ApiKey['role'],
  prefix: r.prefix as string,
  createdBy: r.created_by as string | null,
  createdAt: r.created_at as Date,
  expiresAt: r.expires_at as Date | null,
  revokedAt: r.revoked_at as Date | null,
  lastUsedAt: r.last_used_at as Date | null,
});

/** `api_keys`: keys for other systems; the secret is stored as a SHA-256 only, the prefix for recognition. */
@Injectable()
export class ApiKeyStore {
  async insert(
    tx: EntityManager,
    tenantId: string,
    key: { id: string; name: string; role: string; prefix: string; secretHash: Buffer; createdBy: string; expiresAt: Date | null },
  ): Promise<ApiKey> {
    const row = await firstRow(
      tx,
      `insert into api_keys (tenant_id, id, name, role, prefix, secret_hash, created_by, expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${COLUMNS}`,
      [tenantId, key.id, key.name, key.role, key.prefix, key.secretHash, key.createdBy, key.expiresAt],
    );
    return toKey(row!);
  }

  async list(tx: EntityManager, tenantId: string): Promise<ApiKey[]> {
    return (await rows(tx, `select ${COLUMNS} from api_keys where tenant_id = $1 order by created_at desc, id desc limit 1000`, [tenantId])).map(toKey);
  }

  async find(tx: EntityManager, tenantId: string, id: string): Promise<ApiKey | null> {
    const row = await firstRow(tx, `select ${COLUMNS} from api_keys where tenant_id = $1 and id = $2`, [tenantId, id]);
    return row ? toKey(row) : null;
  }

  async revoke(tx: EntityManager, tenantId: string, id: string): Promise<ApiKey | null> {
    const row = await firstRow(tx, `update api_keys set revoked_at = coalesce(revoked_at, now()) where tenant_id = $1 and id = $2 returning ${COLUMNS}`, [
      tenantId,
      id,
    ]);
    return row ? toKey(row) : null;
  }

  /** The live key (not revoked, not expired) with this secret, its last use set to now. */
  async use(tx: EntityManager, tenantId: string, secretHash: Buffer): Promise<ApiKey | null> {
    const row = await firstRow(
      tx,
      `update api_keys set last_used_at = now()
       where tenant_id = $1 and secret_hash = $2 and revoked_at is null and (expires_at is null or expires_at > now())
       returning ${COLUMNS}`,
      [tenantId, secretHash],
    );
    return row ? toKey(row) : null;
  }
}
