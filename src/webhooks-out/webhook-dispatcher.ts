import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import type { ProcessingPurpose } from '../../libs/policy/src';
import { DomainEvent, DomainEvents } from '../common/domain-events';
import { RefreshingCache } from '../common/refreshing-cache';
import { WorkSignal } from '../common/work-signal';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { JobQueue } from '../ingest/job-queue';
import { AuditLog } from '../privacy/audit-log';
import { EventSubject, decideForSubject, isWebhookEventType, loadEventSubject } from './webhook-events';

export const WEBHOOK_ACTOR = 'system:webhooks';

/**
 * How long the event types a tenant's subscriptions want are believed without asking the database
 * again. A subscription created on this instance clears it at once; one created on another
 * instance is seen within this time (events of that first moment are not delivered to it).
 */
export const WANTED_TYPES_CACHE_MS = 2000;

/** What the dispatcher knows of a tenant without a transaction: where it lives, and the event types any subscription wants. */
interface TenantWants {
  /** Null when this instance cannot serve the tenant (gone, or of a region it has no database for). */
  tenant: TenantRef | null;
  types: ReadonlySet<string>;
}

/**
 * Turns committed domain events into delivery rows: one per subscription of the tenant that asked
 * for the event type, written with its queue job in one transaction. The purpose policy runs
 * here first: a subscription whose purpose may not receive the event's data gets a `withheld`
 * row, no job, and an audit entry saying why.
 *
 * Domain events are in-process and published after their transaction commits; an instance that
 * dies between the commit and this write loses that event's webhooks (logged otherwise).
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(WebhookDispatcher.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly regionOfTenant = new Map<string, string>();
  /** Most tenants want few event types or none, and events come by the hundred per committed batch. */
  private readonly wants = new RefreshingCache<TenantWants>({
    max: 10_000,
    ttlMs: WANTED_TYPES_CACHE_MS,
    load: (tenantId) => this.loadWants(tenantId),
  });
  private subscription?: Subscription;

  constructor(
    private readonly events: DomainEvents,
    private readonly dbs: RegionDatabases,
    private readonly queue: JobQueue,
    private readonly audit: AuditLog,
    private readonly signal: WorkSignal,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.all().subscribe((event) => {
      if (!isWebhookEventType(event.type)) return;
      const work: Promise<void> = this.dispatch(event)
        .then(() => undefined)
        .catch((err) => this.log.error(`webhooks for ${event.type} of tenant ${event.tenantId} not recorded: ${(err as Error).message}`))
        .finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.settled();
  }

  /** Resolves once every event seen so far has its deliveries written. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** A subscription was created here: its events must flow at once. */
  forget(tenantId: string): void {
    this.wants.forget(tenantId);
  }

  async dispatch(event: DomainEvent): Promise<number> {
    const { tenant, types } = await this.wants.get(event.tenantId);
    if (!tenant || !types.has(event.type)) return 0;
    // The subscriptions themselves are read in the transaction that records the deliveries.
    const queued = await this.dbs.forTenant(tenant, async (tx) => {
      const subscriptions = await rows<{ id: string; purpose: ProcessingPurpose }>(
        tx,
        `select id, purpose from webhook_subscriptions where tenant_id = $1 and $2 = any(events) order by created_at, id`,
        [tenant.tenantId, event.type],
      );
      if (subscriptions.length === 0) return 0;
      const subject = await loadEventSubject(tx, tenant.tenantId, event.type, event.data);
      if (!subject) return 0;
      const eventId = randomUUID();
      let n = 0;
      for (const s of subscriptions) if (await this.record(tx, tenant.tenantId, eventId, event, subject, s)) n++;
      return n;
    });
    if (queued > 0) this.signal.notify('webhook');
    return queued;
  }

  private async record(tx: EntityManager, tenantId: string, eventId: string, event: DomainEvent, subject: EventSubject, s: { id: string; purpose: ProcessingPurpose }): Promise<boolean> {
    const decision = decideForSubject(subject, s.purpose);
    const row = await firstRow<{ id: string }>(
      tx,
      `insert into webhook_deliveries (tenant_id, subscription_id, event_id, event_type, event_data, origin, status, last_error, completed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
      [
        tenantId,
        s.id,
        eventId,
        event.type,
        JSON.stringify(event.data),
        subject.origin,
        decision.allowed ? 'pending' : 'withheld',
        decision.allowed ? null : `${decision.code}: ${decision.reason}`,
        decision.allowed ? null : new Date(),
      ],
    );
    if (decision.allowed) {
      await this.queue.enqueue(tx, 'webhook', tenantId, row!.id);
      return true;
    }
    await this.audit.record(tx, tenantId, withheldEntry(s.id, row!.id, event.type, subject.origin!, s.purpose, decision));
    return false;
  }

  private async loadWants(tenantId: string): Promise<TenantWants> {
    const tenant = await this.tenant(tenantId);
    if (!tenant) return { tenant: null, types: new Set() };
    const types = await this.dbs.forTenant(tenant, (tx) =>
      rows<{ type: string }>(tx, `select distinct unnest(events) as type from webhook_subscriptions where tenant_id = $1`, [tenantId]),
    );
    return { tenant, types: new Set(types.map((t) => t.type)) };
  }

  /** Region is immutable, so it is looked up in the directory once per tenant and process. */
  private async tenant(tenantId: string): Promise<TenantRef | null> {
    let region = this.regionOfTenant.get(tenantId);
    if (!region) {
      const row = await firstRow<{ region: string }>(this.dbs.directory(), `select region from directory.tenants where tenant_id = $1`, [tenantId]);
      if (!row || !this.dbs.hasRegion(row.region)) return null;
      region = row.region;
      this.regionOfTenant.set(tenantId, region);
    }
    return { tenantId, region };
  }
}

export function withheldEntry(subscriptionId: string, deliveryId: string, eventType: string, origin: string, purpose: string, decision: { code: string; reason: string }) {
  return {
    actor: WEBHOOK_ACTOR,
    action: 'webhook.deliver',
    subject: `webhook_subscription:${subscriptionId}/delivery:${deliveryId}`,
    decision: 'deny' as const,
    reason: `${decision.code}: ${decision.reason} (event ${eventType}, origin ${origin}, purpose ${purpose})`,
  };
}
