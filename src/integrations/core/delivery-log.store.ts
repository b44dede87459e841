import type { EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../../../libs/domain/src';
import { firstRow, rows, type SqlRow } from '../../database/sql';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'withheld' | 'skipped';

/** One delivery as its log shows it (no payload: it is built when sent, from the current data). */
export interface DeliveryLogEntry {
  id: string;
  eventId: string;
  eventType: string;
  origin: string | null;
  status: DeliveryStatus;
  attempts: number;
  responseCode: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  completedAt: Date | null;
}

/** A delivery being sent: the event it carries and what its log says so far. */
export interface PendingDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  eventData: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  createdAt: Date;
}

/** How an attempt ended, as the log keeps it. */
export interface AttemptRecord {
  attempts: number;
  responseCode: number | null;
  error: string | null;
}

type Row = SqlRow;
const toEntry = (r: Row): DeliveryLogEntry => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type,
  origin: r.origin,
  status: r.status,
  attempts: r.attempts,
  responseCode: r.response_code,
  lastError: r.last_error,
  createdAt: r.created_at,
  lastAttemptAt: r.last_attempt_at,
  nextAttemptAt: r.next_attempt_at,
  completedAt: r.completed_at,
});

/**
 * The delivery log of one integration target kind: one row per event and endpoint, from the
 * dispatcher's decision (pending or withheld) to its end (delivered, failed, skipped), with its
 * attempts. Every target kind keeps its log in a table of this shape, keyed by `(tenant_id, id)`
 * with its endpoint in `endpointColumn`; this class is the only code that writes one.
 */
export class DeliveryLog {
  /** `table` and `endpointColumn` are code, never input (webhooks: webhook_deliveries.subscription_id). */
  constructor(
    private readonly table: string,
    private readonly endpointColumn: string,
  ) {}

  /** A new delivery of an event to an endpoint: pending (to be sent), or withheld at once with the reason. */
  async open(
    tx: EntityManager,
    tenantId: string,
    d: { endpointId: string; eventId: string; eventType: string; eventData: Record<string, unknown>; origin: string | null; withheld: string | null },
  ): Promise<string> {
    const row = await firstRow<{ id: string }>(
      tx,
      `insert into ${this.table} (tenant_id, ${this.endpointColumn}, event_id, event_type, event_data, origin, status, last_error, completed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
      [
        tenantId,
        d.endpointId,
        d.eventId,
        d.eventType,
        JSON.stringify(d.eventData),
        d.origin,
        d.withheld === null ? 'pending' : 'withheld',
        d.withheld,
        d.withheld === null ? null : new Date(),
      ],
    );
    return row!.id;
  }

  /** The delivery, locked for the attempt under way; null when it is gone. */
  async lock(tx: EntityManager, tenantId: string, id: string): Promise<PendingDelivery | null> {
    const r = await firstRow(
      tx,
      `select id, ${this.endpointColumn} as endpoint_id, event_id, event_type, event_data, status, attempts, created_at
       from ${this.table} where tenant_id = $1 and id = $2 for update`,
      [tenantId, id],
    );
    if (!r) return null;
    return {
      id: r.id,
      endpointId: r.endpoint_id,
      eventId: r.event_id,
      eventType: r.event_type,
      eventData: r.event_data,
      status: r.status,
      attempts: r.attempts,
      createdAt: r.created_at,
    };
  }

  /** Ends a delivery without an attempt: withheld (purpose policy) or skipped (its subject is gone). */
  async close(tx: EntityManager, tenantId: string, id: string, status: 'skipped' | 'withheld', reason: string): Promise<void> {
    await tx.query(`update ${this.table} set status = $3, last_error = $4, next_attempt_at = null, completed_at = now() where tenant_id = $1 and id = $2`, [
      tenantId,
      id,
      status,
      reason,
    ]);
  }

  /** The last attempt: delivered, or failed for good. */
  async finishAttempt(tx: EntityManager, tenantId: string, id: string, status: 'delivered' | 'failed', a: AttemptRecord): Promise<void> {
    await tx.query(
      `update ${this.table} set status = $3, attempts = $4, response_code = $5, last_error = $6, last_attempt_at = now(), next_attempt_at = null, completed_at = now()
       where tenant_id = $1 and id = $2`,
      [tenantId, id, status, a.attempts, a.responseCode, a.error],
    );
  }

  /** A failed attempt that will be tried again in `delayMs`. */
  async retryAttempt(tx: EntityManager, tenantId: string, id: string, a: AttemptRecord, delayMs: number): Promise<void> {
    await tx.query(
      `update ${this.table} set attempts = $3, response_code = $4, last_error = $5, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => $6)
       where tenant_id = $1 and id = $2`,
      [tenantId, id, a.attempts, a.responseCode, a.error, delayMs / 1000],
    );
  }

  /** A pending delivery that could not even be prepared, given up. */
  async failUnsent(tx: EntityManager, tenantId: string, id: string, reason: string): Promise<void> {
    await tx.query(
      `update ${this.table} set status = 'failed', last_error = $3, next_attempt_at = null, completed_at = now() where tenant_id = $1 and id = $2 and status = 'pending'`,
      [tenantId, id, reason],
    );
  }

  /** The endpoint's deliveries still to be sent (their queue jobs go when the endpoint goes). */
  async pendingOf(tx: EntityManager, tenantId: string, endpointId: string): Promise<string[]> {
    return (
      await rows<{ id: string }>(tx, `select id from ${this.table} where tenant_id = $1 and ${this.endpointColumn} = $2 and status = 'pending'`, [
        tenantId,
        endpointId,
      ])
    ).map((r) => r.id);
  }

  /** The endpoint's log, newest first. */
  async page(tx: EntityManager, tenantId: string, endpointId: string, page: PageRequest): Promise<Page<DeliveryLogEntry>> {
    const params: unknown[] = [tenantId, endpointId, page.limit + 1];
    let keyset = '';
    if (page.after) {
      params.push(page.after.at, page.after.id);
      keyset = 'and (created_at, id) < ($4, $5)';
    }
    const found = (
      await rows(
        tx,
        `select id, event_id, event_type, origin, status, attempts, response_code, last_error, created_at, last_attempt_at, next_attempt_at, completed_at
         from ${this.table} where tenant_id = $1 and ${this.endpointColumn} = $2 ${keyset}
         order by created_at desc, id desc limit $3`,
        params,
      )
    ).map(toEntry);
    const items = found.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items, next: found.length > page.limit && last ? { at: last.createdAt, id: last.id } : undefined };
  }
}
