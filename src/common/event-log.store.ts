import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import type { DomainEvent, LoggedEvent } from './domain-event';

/** The channel every region's database announces new events on; the payload is `region:tenant:seq` (the tenant's last number). */
export const EVENT_CHANNEL = 'mm_events';

export interface LogHead {
  epoch: string;
  /** The tenant's last event number (0: none yet). */
  lastSeq: number;
  /** The oldest number still in the log (null: none left, all trimmed or none yet). */
  firstSeq: number | null;
}

interface LogRow {
  seq: string;
  type: DomainEvent['type'];
  data: Record<string, unknown>;
  at: Date;
  epoch: string;
  custom_attributes: Record<string, unknown> | null;
}

/**
 * What the log keeps of an event: ids, statuses, the notification itself (whose text never
 * quotes an End User). Custom attribute values may be personal data, so only the fact that they
 * changed is kept; a reader gets the conversation's current values (`after`).
 */
function stored(e: DomainEvent): Record<string, unknown> {
  if (e.type === 'conversation.updated' && e.data.customAttributes !== undefined) return { ...e.data, customAttributes: true };
  return e.data;
}

/** Reads and writes the region's event log (see the EventLog migration); every statement under the tenant's row-level security. */
@Injectable()
export class EventLogStore {
  constructor(private readonly dbs: RegionDatabases) {}

  /**
   * Numbers `events` with the tenant's next sequence numbers and writes them, in `tx` (the
   * transaction of the change). The head row stays locked until COMMIT, so the tenant's events
   * commit in the order of their numbers. They are announced after COMMIT (`announce`), not in
   * the transaction: a NOTIFY makes its transaction's commit take a database-wide lock, which
   * serialised every commit that carried events (webhook ACKs slowed down under load).
   */
  async append(tx: EntityManager, tenant: TenantRef, events: readonly DomainEvent[]): Promise<LoggedEvent[]> {
    const [head] = await rows<{ epoch: string; last_seq: string; at: Date }>(
      tx,
      `with head as (
         insert into event_log_heads as h (tenant_id, last_seq) values ($1, $2)
         on conflict (tenant_id) do update set last_seq = h.last_seq + excluded.last_seq
         returning epoch, last_seq),
       logged as (
         insert into event_log (tenant_id, seq, type, data)
         select $1, head.last_seq - $2 + e.n, e.type, e.data
         from head, unnest($3::text[], $4::jsonb[]) with ordinality as e(type, data, n)
         returning 1)
       select head.epoch, head.last_seq, now() as at from head`,
      [tenant.tenantId, events.length, events.map((e) => e.type), events.map((e) => JSON.stringify(stored(e)))],
    );
    const last = Number(head.last_seq);
    const at = new Date(head.at).toISOString();
    return events.map((e, i) => {
      const seq = last - events.length + 1 + i;
      return { tenantId: tenant.tenantId, type: e.type, data: e.data, seq, id: `${head.epoch}-${seq}`, at };
    });
  }

  /** Tells every instance listening on the region that these `tenant:seq` moved (after their commit). */
  async announce(region: string, moved: readonly string[]): Promise<void> {
    await this.dbs.region(region).query(`select pg_notify('${EVENT_CHANNEL}', $1 || ':' || m) from unnest($2::text[]) m`, [region, moved]);
  }

  /** The tenant's head; a tenant without one gets it now (its epoch is what ids are checked against). */
  async head(tenant: TenantRef): Promise<LogHead> {
    const read = () =>
      this.dbs.statementForTenant<{ epoch: string; last_seq: string; first_seq: string | null }>(
        tenant,
        `select epoch, last_seq, (select min(seq) from event_log where tenant_id = $1) as first_seq from event_log_heads where tenant_id = $1`,
        [tenant.tenantId],
      );
    let [found] = await read();
    if (!found) {
      await this.dbs.statementForTenant(tenant, `insert into event_log_heads (tenant_id) values ($1) on conflict (tenant_id) do nothing`, [tenant.tenantId]);
      [found] = await read();
    }
    return { epoch: found.epoch, lastSeq: Number(found.last_seq), firstSeq: found.first_seq === null ? null : Number(found.first_seq) };
  }

  /** Up to `limit` events after `afterSeq`, in order, with what the log does not keep read now. */
  async after(tenant: TenantRef, afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const found = await this.dbs.statementForTenant<LogRow>(
      tenant,
      `select l.seq, l.type, l.data, l.created_at as at, h.epoch,
              case when l.data->>'customAttributes' = 'true' then
                (select c.custom_attributes from conversations c where c.tenant_id = l.tenant_id and c.id = (l.data->>'id')::uuid) end as custom_attributes
       from event_log l join event_log_heads h on h.tenant_id = l.tenant_id
       where l.tenant_id = $1 and l.seq > $2 order by l.seq limit $3`,
      [tenant.tenantId, afterSeq, limit],
    );
    return found.map((r) => {
      const seq = Number(r.seq);
      const data = r.data.customAttributes === true ? { ...r.data, customAttributes: r.custom_attributes ?? {} } : r.data;
      return { tenantId: tenant.tenantId, type: r.type, data, seq, id: `${r.epoch}-${seq}`, at: new Date(r.at).toISOString() };
    });
  }

  /**
   * Deletes the tenant's oldest events that are older than `before`, up to `limit` of them and up
   * to the first one that is not; answers how many. Reads at most `limit` rows, by the primary key
   * (no index on created_at to write with every event: migration EventLogTrimBySeq).
   */
  async trim(tenant: TenantRef, before: Date, limit: number): Promise<number> {
    const deleted = await this.dbs.statementForTenant(
      tenant,
      `with oldest as (select seq, created_at from event_log where tenant_id = $1 order by seq limit $3)
       delete from event_log where tenant_id = $1
         and seq in (select seq from oldest where seq < coalesce((select min(seq) from oldest where created_at >= $2), 9223372036854775807))
       returning 1`,
      [tenant.tenantId, before, limit],
    );
    return deleted.length;
  }
}
