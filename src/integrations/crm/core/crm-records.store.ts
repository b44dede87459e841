import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CrmAppointment, CrmClient, CrmDeal, CrmEntity, CrmRecord } from '../../../../libs/domain/src';
import { SqlRow, firstRow, rows } from '../../../database/sql';

export interface CrmSyncState {
  entity: CrmEntity;
  /** The newest remote change time seen by a finished pass (incremental listings start there, less the overlap). */
  cursor: Date | null;
  /** Where the pass under way stopped (resumed by the next run), with when it started and the newest change it saw. */
  pageToken: string | null;
  passStartedAt: Date | null;
  passFull: boolean;
  passWatermark: Date | null;
  lastFullPassAt: Date | null;
  lastRunAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  fetched: number;
  written: number;
  tombstoned: number;
  nextRunAt: Date | null;
}

type Row = SqlRow;
const toState = (r: Row): CrmSyncState => ({
  entity: r.entity,
  cursor: r.cursor,
  pageToken: r.page_token,
  passStartedAt: r.pass_started_at,
  passFull: r.pass_full,
  passWatermark: r.pass_watermark,
  lastFullPassAt: r.last_full_pass_at,
  lastRunAt: r.last_run_at,
  lastSuccessAt: r.last_success_at,
  lastError: r.last_error,
  fetched: Number(r.fetched),
  written: Number(r.written),
  tombstoned: Number(r.tombstoned),
  nextRunAt: r.next_run_at,
});

/** A deleted client: its id and change time only. */
function withoutPersonalData(r: CrmRecord): CrmRecord {
  if (r.entity !== 'client' || !r.record.deleted) return r;
  return {
    entity: 'client',
    record: { externalId: r.record.externalId, name: null, phone: null, email: null, remoteUpdatedAt: r.record.remoteUpdatedAt, deleted: true },
  };
}

/** What a record is indexed by, besides its unified shape. */
function keysOf(r: CrmRecord): { clientExternalId: string | null; phone: string | null; email: string | null; startsAt: Date | null } {
  switch (r.entity) {
    case 'client':
      return { clientExternalId: r.record.externalId, phone: r.record.phone, email: r.record.email, startsAt: null };
    case 'appointment':
      return { clientExternalId: r.record.clientExternalId, phone: null, email: null, startsAt: r.record.startsAt };
    case 'deal':
      return { clientExternalId: r.record.clientExternalId, phone: null, email: null, startsAt: null };
    default:
      return { clientExternalId: null, phone: null, email: null, startsAt: null };
  }
}

export interface LinkedCrmClient {
  connectionId: string;
  connectionName: string;
  kind: string;
  matchedBy: string;
  client: CrmClient;
}

/**
 * `crm_records` (the synced records, one unified shape per entity), `crm_sync_state` (per
 * connection and entity: cursor, the pass under way, the last run) and `crm_links` (contacts ↔
 * CRM clients): the sync engine's and the contact view's SQL.
 */
@Injectable()
export class CrmRecordsStore {
  async states(tx: EntityManager, tenantId: string, connectionId: string): Promise<CrmSyncState[]> {
    return (await rows(tx, `select * from crm_sync_state where tenant_id = $1 and connection_id = $2 order by entity`, [tenantId, connectionId])).map(toState);
  }

  async state(tx: EntityManager, tenantId: string, connectionId: string, entity: CrmEntity): Promise<CrmSyncState> {
    await tx.query(`insert into crm_sync_state (tenant_id, connection_id, entity) values ($1, $2, $3) on conflict do nothing`, [
      tenantId,
      connectionId,
      entity,
    ]);
    return toState(
      (await firstRow(tx, `select * from crm_sync_state where tenant_id = $1 and connection_id = $2 and entity = $3 for update`, [
        tenantId,
        connectionId,
        entity,
      ]))!,
    );
  }

  async startPass(tx: EntityManager, tenantId: string, connectionId: string, entity: CrmEntity, full: boolean, at: Date): Promise<void> {
    await tx.query(
      `update crm_sync_state set pass_started_at = $4, pass_full = $5, page_token = null, pass_watermark = null, last_run_at = $4
       where tenant_id = $1 and connection_id = $2 and entity = $3`,
      [tenantId, connectionId, entity, at, full],
    );
  }

  async notePage(
    tx: EntityManager,
    tenantId: string,
    connectionId: string,
    entity: CrmEntity,
    p: { pageToken: string | null; watermark: Date | null; fetched: number; written: number; at: Date },
  ): Promise<void> {
    await tx.query(
      `update crm_sync_state set page_token = $4, pass_watermark = greatest(pass_watermark, $5), fetched = fetched + $6, written = written + $7, last_run_at = $8
       where tenant_id = $1 and connection_id = $2 and entity = $3`,
      [tenantId, connectionId, entity, p.pageToken, p.watermark, p.fetched, p.written, p.at],
    );
  }

  /** The pass is over: the cursor moves to the newest change it saw; a full pass also turns what it did not see into tombstones. */
  async finishPass(tx: EntityManager, tenantId: string, connectionId: string, entity: CrmEntity, at: Date, nextRunAt: Date): Promise<number> {
    const s = toState(
      (await firstRow(tx, `select * from crm_sync_state where tenant_id = $1 and connection_id = $2 and entity = $3 for update`, [
        tenantId,
        connectionId,
        entity,
      ]))!,
    );
    let tombstoned = 0;
    if (s.passFull && s.passStartedAt) {
      tombstoned = (
        await rows(
          tx,
          `update crm_records set deleted = true, synced_at = $4, data = case when entity = 'client' then jsonb_build_object('externalId', external_id, 'name', null, 'phone', null, 'email', null, 'remoteUpdatedAt', data -> 'remoteUpdatedAt', 'deleted', true) else data || '{"deleted": true}' end, phone = null, email = null
           where tenant_id = $1 and connection_id = $2 and entity = $3 and not deleted and seen_at < $5 returning 1`,
          [tenantId, connectionId, entity, at, s.passStartedAt],
        )
      ).length;
    }
    await tx.query(
      `update crm_sync_state set cursor = greatest(cursor, pass_watermark), page_token = null, pass_started_at = null, pass_watermark = null,
         last_full_pass_at = case when pass_full then $4 else last_full_pass_at end, pass_full = false,
         last_success_at = $4, last_error = null, tombstoned = tombstoned + $5, next_run_at = $6
       where tenant_id = $1 and connection_id = $2 and entity = $3`,
      [tenantId, connectionId, entity, at, tombstoned, nextRunAt],
    );
    return tombstoned;
  }

  async noteError(tx: EntityManager, tenantId: string, connectionId: string, entity: CrmEntity, error: string, nextRunAt: Date): Promise<void> {
    await tx.query(`update crm_sync_state set last_error = $4, next_run_at = $5 where tenant_id = $1 and connection_id = $2 and entity = $3`, [
      tenantId,
      connectionId,
      entity,
      error.slice(0, 500),
      nextRunAt,
    ]);
  }

  /**
   * Stores a page: every record is marked seen (a full pass tombstones the unseen), and written only
   * when it is new or changed and not older than what is stored (the overlap window brings the
   * same records twice; a late answer never overwrites a newer one). Answers how many were written.
   */
  async upsert(tx: EntityManager, tenantId: string, connectionId: string, records: CrmRecord[], seenAt: Date): Promise<number> {
    // One row per (entity, id): a page may repeat a record; the newest wins.
    const byKey = new Map<string, CrmRecord>();
    for (const r of records) {
      const key = `${r.entity}:${r.record.externalId}`;
      const had = byKey.get(key);
      if (!had || (r.record.remoteUpdatedAt?.getTime() ?? 0) >= (had.record.remoteUpdatedAt?.getTime() ?? 0)) byKey.set(key, r);
    }
    // A tombstone keeps no personal data: a deleted client is its id and the time it went.
    const list = [...byKey.values()].map(withoutPersonalData);
    if (list.length === 0) return 0;
    const keys = list.map(keysOf);
    const written = await rows(
      tx,
      `insert into crm_records as r (tenant_id, connection_id, entity, external_id, data, client_external_id, phone, email, starts_at, remote_updated_at, deleted, synced_at, seen_at)
       select $1, $2, u.entity, u.external_id, u.data, u.client_external_id, u.phone, u.email, u.starts_at, u.remote_updated_at, u.deleted, $3, $3
       from unnest($4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::boolean[])
         as u(entity, external_id, data, client_external_id, phone, email, starts_at, remote_updated_at, deleted)
       -- An erased End User's CRM client is not stored again, nor what is theirs.
       where u.client_external_id is null or not exists (
         select 1 from crm_suppressed_clients s where s.tenant_id = $1 and s.connection_id = $2 and s.client_external_id = u.client_external_id)
       on conflict (tenant_id, connection_id, entity, external_id) do update set
         data = excluded.data, client_external_id = excluded.client_external_id, phone = excluded.phone, email = excluded.email,
         starts_at = excluded.starts_at, remote_updated_at = excluded.remote_updated_at, deleted = excluded.deleted, synced_at = excluded.synced_at, seen_at = excluded.seen_at
       where (r.remote_updated_at is null or excluded.remote_updated_at is null or excluded.remote_updated_at >= r.remote_updated_at)
         and (r.data is distinct from excluded.data or r.deleted is distinct from excluded.deleted)
       returning 1`,
      [
        tenantId,
        connectionId,
        seenAt,
        list.map((r) => r.entity),
        list.map((r) => r.record.externalId),
        list.map((r) => JSON.stringify(r.record)),
        keys.map((k) => k.clientExternalId),
        keys.map((k) => k.phone),
        keys.map((k) => k.email),
        keys.map((k) => k.startsAt),
        list.map((r) => r.record.remoteUpdatedAt),
        list.map((r) => r.record.deleted),
      ],
    );
    // Unchanged records were seen too (their rows were not rewritten above).
    await tx.query(
      `update crm_records r set seen_at = $3 from unnest($4::text[], $5::text[]) as u(entity, external_id)
       where r.tenant_id = $1 and r.connection_id = $2 and r.entity = u.entity and r.external_id = u.external_id and r.seen_at < $3`,
      [tenantId, connectionId, seenAt, list.map((r) => r.entity), list.map((r) => r.record.externalId)],
    );
    return written.length;
  }

  /** A record the CRM answered 404 for (a webhook or a targeted read): a tombstone. */
  async tombstone(tx: EntityManager, tenantId: string, connectionId: string, entity: CrmEntity, externalId: string, at: Date): Promise<number> {
    return (
      await rows(
        tx,
        `update crm_records set deleted = true, synced_at = $5, data = case when entity = 'client' then jsonb_build_object('externalId', external_id, 'name', null, 'phone', null, 'email', null, 'remoteUpdatedAt', data -> 'remoteUpdatedAt', 'deleted', true) else data || '{"deleted": true}' end, phone = null, email = null
         where tenant_id = $1 and connection_id = $2 and entity = $3 and external_id = $4 and not deleted returning 1`,
        [tenantId, connectionId, entity, externalId, at],
      )
    ).length;
  }

  async counts(tx: EntityManager, tenantId: string, connectionId: string): Promise<Record<string, { live: number; deleted: number }>> {
    const out: Record<string, { live: number; deleted: number }> = {};
    for (const r of await rows(
      tx,
      `select entity, count(*) filter (where not deleted)::int as live, count(*) filter (where deleted)::int as deleted from crm_records where tenant_id = $1 and connection_id = $2 group by entity`,
      [tenantId, connectionId],
    )) {
      out[r.entity] = { live: r.live, deleted: r.deleted };
    }
    return out;
  }

  async record(
    tx: EntityManager,
    tenantId: string,
    connectionId: string,
    entity: CrmEntity,
    externalId: string,
  ): Promise<{ data: SqlRow; deleted: boolean } | null> {
    const r = await firstRow(tx, `select data, deleted from crm_records where tenant_id = $1 and connection_id = $2 and entity = $3 and external_id = $4`, [
      tenantId,
      connectionId,
      entity,
      externalId,
    ]);
    return r ? { data: r.data, deleted: r.deleted } : null;
  }

  /** Deletes every synced row of the connection (DELETE /api/integrations/:id/data); answers counts per table. */
  async deleteData(tx: EntityManager, tenantId: string, connectionId: string): Promise<Record<string, number>> {
    const links = (await rows(tx, `delete from crm_links where tenant_id = $1 and connection_id = $2 returning 1`, [tenantId, connectionId])).length;
    const records = (await rows(tx, `delete from crm_records where tenant_id = $1 and connection_id = $2 returning 1`, [tenantId, connectionId])).length;
    await tx.query(`delete from crm_sync_state where tenant_id = $1 and connection_id = $2`, [tenantId, connectionId]);
    return { crm_records: records, crm_links: links };
  }
}

export type { CrmAppointment, CrmDeal };
