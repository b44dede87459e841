import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../../libs/domain/src';
import { AuditLog } from '../../audit/audit-log.store';
import { ChannelAdapters } from '../../channels/core/channel-adapters';
import { DomainEvent, DomainEvents } from '../../common/domain-events.service';
import { RefreshingCache } from '../../common/refreshing-cache';
import { RegionDatabases } from '../../database/region-databases';
import { JobQueue } from '../../queue/job-queue.service';
import { WorkSignal } from '../../queue/work-signal.service';
import { TenantDirectory } from '../../tenancy/tenant-directory.store';
import { EventSubject, isIntegrationEventType, loadEventSubject } from './event-subject';
import type { IntegrationEndpoint, IntegrationTarget } from './integration-target';
import { IntegrationTargets } from './integration-targets.registry';
import { checkPurpose, withheldEntry } from './purpose-check';

/**
 * How long the event types a tenant's endpoints want are believed without asking the database
 * again. An endpoint created on this instance clears it at once; one created on another
 * instance is seen within this time (events of that first moment are not delivered to it).
 */
export const WANTED_TYPES_CACHE_MS = 2000;

/** What the dispatcher knows of a tenant without a transaction: where it lives, and the event types each target's endpoints want. */
interface TenantWants {
  /** Null when this instance cannot serve the tenant (gone, or of a region it has no database for). */
  tenant: TenantRef | null;
  types: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Turns committed domain events into delivery rows: one per endpoint (of any target kind) of
 * the tenant that asked for the event type, written with its queue job in one transaction. The
 * purpose policy runs here first: an endpoint whose purpose may not receive the event's data gets
 * a `withheld` row, no job, and an audit entry saying why.
 *
 * Domain events are in-process and published after their transaction commits; an instance that
 * dies between the commit and this write loses that event's deliveries (logged otherwise).
 */
@Injectable()
export class IntegrationDispatcher implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(IntegrationDispatcher.name);
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
    private readonly directory: TenantDirectory,
    private readonly targets: IntegrationTargets,
    private readonly queue: JobQueue,
    private readonly audit: AuditLog,
    private readonly signal: WorkSignal,
    private readonly adapters: ChannelAdapters,
  ) {}

  /** What an event is about (see loadEventSubject), each channel's data origin as its kind's adapter declares it. */
  loadSubject(tx: EntityManager, tenantId: string, type: string, data: Record<string, unknown>): Promise<EventSubject | null> {
    return loadEventSubject(tx, tenantId, type, data, (kind) => this.adapters.dataOrigin(kind));
  }

  onModuleInit(): void {
    this.subscription = this.events.all().subscribe((event) => {
      if (!isIntegrationEventType(event.type)) return;
      const work: Promise<void> = this.dispatch(event)
        .then(() => undefined)
        .catch((err) => this.log.error(`deliveries for ${event.type} of tenant ${event.tenantId} not recorded: ${(err as Error).message}`))
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

  /** An endpoint was created here: its events must flow at once. */
  forget(tenantId: string): void {
    this.wants.forget(tenantId);
  }

  async dispatch(event: DomainEvent): Promise<number> {
    const { tenant, types } = await this.wants.get(event.tenantId);
    const targets = this.targets.all().filter((t) => types.get(t.kind)?.has(event.type));
    if (!tenant || targets.length === 0) return 0;
    const queued = new Set<IntegrationTarget>();
    // The endpoints themselves are read in the transaction that records the deliveries.
    const n = await this.dbs.forTenant(tenant, async (tx) => {
      let subject: EventSubject | null | undefined;
      const eventId = randomUUID();
      let count = 0;
      for (const target of targets) {
        const endpoints = await target.endpointsFor(tx, tenant.tenantId, event.type);
        if (endpoints.length === 0) continue;
        // Loaded once for every target, and only when some endpoint wants the event.
        if (subject === undefined) subject = await this.loadSubject(tx, tenant.tenantId, event.type, event.data);
        if (!subject) return count;
        for (const e of endpoints) {
          if (await this.record(tx, target, tenant.tenantId, eventId, event, subject, e)) {
            count++;
            queued.add(target);
          }
        }
      }
      return count;
    });
    for (const target of queued) this.signal.notify(target.jobKind);
    return n;
  }

  private async record(
    tx: EntityManager,
    target: IntegrationTarget,
    tenantId: string,
    eventId: string,
    event: DomainEvent,
    subject: EventSubject,
    e: IntegrationEndpoint,
  ): Promise<boolean> {
    const decision = checkPurpose(subject, e.purpose);
    const deliveryId = await target.log.open(tx, tenantId, {
      endpointId: e.id,
      eventId,
      eventType: event.type,
      eventData: event.data,
      origin: subject.origin,
      withheld: decision.allowed ? null : `${decision.code}: ${decision.reason}`,
    });
    if (decision.allowed) {
      await this.queue.enqueue(tx, target.jobKind, tenantId, deliveryId);
      return true;
    }
    await this.audit.record(tx, tenantId, withheldEntry(target.audit, e.id, deliveryId, event.type, subject.origin!, e.purpose, decision));
    return false;
  }

  private async loadWants(tenantId: string): Promise<TenantWants> {
    const tenant = await this.tenant(tenantId);
    if (!tenant) return { tenant: null, types: new Map() };
    const types = await this.dbs.forTenant(tenant, async (tx) => {
      const byKind = new Map<string, ReadonlySet<string>>();
      for (const target of this.targets.all()) byKind.set(target.kind, new Set(await target.wantedEventTypes(tx, tenantId)));
      return byKind;
    });
    return { tenant, types };
  }

  /** Region is immutable, so it is looked up in the directory once per tenant and process. */
  private async tenant(tenantId: string): Promise<TenantRef | null> {
    let region = this.regionOfTenant.get(tenantId);
    if (!region) {
      const found = await this.directory.regionOf(tenantId);
      if (!found || !this.dbs.hasRegion(found)) return null;
      region = found;
      this.regionOfTenant.set(tenantId, region);
    }
    return { tenantId, region };
  }
}
