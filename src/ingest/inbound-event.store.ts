import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ChannelKind, Page, PageRequest, TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { JobQueue } from '../queue/job-queue.service';

/** A stored webhook item as the processor reads it, with its channel's kind. */
export interface StoredEvent {
  id: string;
  payload: Record<string, unknown>;
  channel_id: string;
  kind: ChannelKind;
  state: string;
  /** When its webhook was acknowledged (the processing lag is measured from here). */
  received_at: Date;
}

export type InboundEventState = 'pending' | 'done' | 'failed';

export interface InboundEventView {
  id: string;
  channelId: string;
  dedupeKey: string;
  state: string;
  attempts: number;
  lastError: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  payload: unknown;
}

const COLUMNS = 'e.id, e.channel_id, e.dedupe_key, e.state, e.attempts, e.last_error, e.received_at, e.processed_at, e.payload';

/**
 * Where each list starts (see the inbound-events-hot-done migration: no index mentions `state`).
 * Parked events have `parked_at`; pending ones are those with a queue job, found through it
 * (usually there are none, and scanning the tenant's history to learn that would be slow).
 */
const SOURCES: Record<'all' | InboundEventState, string> = {
  all: 'inbound_events',
  done: 'inbound_events',
  failed: `(select * from inbound_events where tenant_id = $1 and parked_at is not null)`,
  pending: `(select x.* from ${JobQueue.queuedRefs('inbound')} j
             cross join lateral (select * from inbound_events where tenant_id = $1 and id = j.ref_id limit 1) x)`,
};

interface EventRow {
  id: string;
  channel_id: string;
  dedupe_key: string;
  state: string;
  attempts: number;
  last_error: string | null;
  received_at: Date;
  processed_at: Date | null;
  payload: unknown;
}

/**
 * `inbound_events`: malformed items are stored parked here, the processor reads and settles
 * events, admins list and replay them. (The ACK path stores the others through the inbox_store_many
 * function in one statement per group commit, see InboxGroupCommit.)
 */
@Injectable()
export class InboundEventStore {
  constructor(private readonly dbs: RegionDatabases) {}

  /**
   * Stores items that cannot be processed as they are already parked (failed, no job), skipping
   * ones stored before; answers how many were new.
   */
  async insertParked(tenant: TenantRef, items: ReadonlyArray<{ channelId: string; dedupeKey: string; payload: string; error: string }>): Promise<number> {
    const inserted = await this.dbs.forTenant(tenant, (tx) =>
      rows(
        tx,
        `insert into inbound_events (tenant_id, channel_id, dedupe_key, payload, state, last_error, processed_at, parked_at)
         select $1, t.channel_id, t.dedupe_key, t.payload::jsonb, 'failed', t.error, now(), now()
         from unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) as t(channel_id, dedupe_key, payload, error)
         on conflict (tenant_id, channel_id, dedupe_key) do nothing
         returning id`,
        [tenant.tenantId, items.map((p) => p.channelId), items.map((p) => p.dedupeKey), items.map((p) => p.payload), items.map((p) => p.error)],
      ),
    );
    return inserted.length;
  }

  /** Reads events by id, one primary-key probe each (see inbound-batch.ts on why not a join). */
  async read(tx: EntityManager, tenantId: string, ids: string[]): Promise<Map<string, StoredEvent>> {
    const found = await rows<StoredEvent>(
      tx,
      `select e.id, e.payload, e.channel_id, c.kind, e.state, e.received_at
       from unnest($2::uuid[]) as k(id)
       cross join lateral (select id, payload, channel_id, state, received_at from inbound_events where tenant_id = $1 and id = k.id limit 1) e
       join channels c on c.tenant_id = $1 and c.id = e.channel_id`,
      [tenantId, ids],
    );
    return new Map(found.map((e) => [e.id, e]));
  }

  /** Marks a batch of events done, each with its attempts, in one statement. */
  async markDone(tx: EntityManager, tenantId: string, events: ReadonlyArray<{ id: string; attempts: number }>): Promise<void> {
    await tx.query(
      `update inbound_events e set state = 'done', attempts = n.attempts, last_error = null, processed_at = now()
       from unnest($2::uuid[], $3::int[]) as n(id, attempts)
       cross join lateral (select ctid from inbound_events where tenant_id = $1 and id = n.id limit 1) x
       where e.ctid = x.ctid`,
      [tenantId, events.map((e) => e.id), events.map((e) => e.attempts)],
    );
  }

  /** Settles one event: done, or parked as failed (with why) for an admin to see and replay. */
  async settle(tx: EntityManager, tenantId: string, id: string, state: 'done' | 'failed', attempts: number, error: string | null): Promise<void> {
    await tx.query(
      `update inbound_events set state = $3, attempts = $4, last_error = $5, processed_at = now(),
         parked_at = case when $3 = 'failed' then now() else parked_at end
       where tenant_id = $1 and id = $2`,
      [tenantId, id, state, attempts, error?.slice(0, 1000) ?? null],
    );
  }

  /** Newest first, optionally of one state. */
  async list(tenant: TenantRef, state: InboundEventState | undefined, page: PageRequest): Promise<Page<InboundEventView>> {
    const found = await this.dbs.forTenant(tenant, (tx) =>
      rows<EventRow>(
        tx,
        `select ${COLUMNS} from ${SOURCES[state ?? 'all']} e
         where e.tenant_id = $1 and ($2::text is null or e.state = $2) and ($3::timestamptz is null or (e.received_at, e.id) < ($3, $4::uuid))
         order by e.received_at desc, e.id desc limit $5`,
        [tenant.tenantId, state ?? null, page.after?.at ?? null, page.after?.id ?? null, page.limit + 1],
      ),
    );
    const items = found.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({
        id: r.id,
        channelId: r.channel_id,
        dedupeKey: r.dedupe_key,
        state: r.state,
        attempts: r.attempts,
        lastError: r.last_error,
        receivedAt: r.received_at,
        processedAt: r.processed_at,
        payload: r.payload,
      })),
      next: found.length > page.limit ? { at: last.received_at, id: last.id } : undefined,
    };
  }

  /** Back to pending with a clean slate; false for an event the tenant does not have. */
  async resetForReplay(tx: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const updated = await rows(
      tx,
      `update inbound_events set state = 'pending', attempts = 0, last_error = null, parked_at = null where tenant_id = $1 and id = $2 returning id`,
      [tenantId, id],
    );
    return updated.length > 0;
  }
}
