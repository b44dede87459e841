import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../../libs/domain/src';
import { AuditLog } from '../../audit/audit-log.store';
import { ChannelAdapters } from '../../channels/core/channel-adapters';
import { DomainEvent, DomainEvents } from '../../common/domain-events.service';
import { afterCommit } from '../../database/unit-of-work';
import { JobQueue } from '../../queue/job-queue.service';
import { WorkSignal } from '../../queue/work-signal.service';
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
const MAX_CACHED_TENANTS = 10_000;

/** The event types each target's endpoints of a tenant want, and when that was read. */
interface TenantWants {
  types: ReadonlyMap<string, ReadonlySet<string>>;
  readAt: number;
}

/**
 * The outbox of the integrations: turns domain events into delivery rows, one per endpoint (of
 * any target kind) of the tenant that asked for the event type, each with its queue job, in the
 * transaction that writes the events (see DomainEvents.record), i.e. the transaction of the
 * change that caused them. A crash at any point loses no delivery and makes none of a change
 * that rolled back; the delivery worker sends each at least once, under the event id, which is
 * the same for every endpoint and on every retry.
 *
 * The purpose policy runs here first: an endpoint whose purpose may not receive the event's
 * data gets a `withheld` row, no job, and an audit entry saying why. The rows are written under
 * a savepoint: a failure here is logged and costs the deliveries, never the change itself.
 */
@Injectable()
export class IntegrationDispatcher implements OnModuleInit {
  private readonly log = new Logger(IntegrationDispatcher.name);
  /** Most tenants want few event types or none, and events come by the hundred per committed batch. */
  private readonly wants = new Map<string, TenantWants>();

  constructor(
    private readonly events: DomainEvents,
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
    this.events.record(async (tx, tenant, events) => void (await this.recordDeliveries(tx, tenant, events)));
  }

  /** Resolves once every event published so far has its deliveries written (tests). */
  settled(): Promise<void> {
    return this.events.settled();
  }

  /** An endpoint was created here: its events must flow at once. */
  forget(tenantId: string): void {
    this.wants.delete(tenantId);
  }

  /** Writes the deliveries of `events` in `tx`, before they commit; answers how many were queued. */
  async recordDeliveries(tx: EntityManager, tenant: TenantRef, events: readonly DomainEvent[]): Promise<number> {
    if (!events.some((e) => isIntegrationEventType(e.type))) return 0;
    const types = await this.wanted(tx, tenant.tenantId);
    const wanted = events.filter((e) => isIntegrationEventType(e.type) && [...types.values()].some((t) => t.has(e.type)));
    if (wanted.length === 0) return 0;
    const queued = new Set<IntegrationTarget>();
    let count = 0;
    await tx.query('savepoint integration_deliveries');
    try {
      for (const event of wanted) count += await this.dispatch(tx, tenant, event, types, queued);
      await tx.query('release savepoint integration_deliveries');
    } catch (err) {
      await tx.query('rollback to savepoint integration_deliveries');
      this.log.error(`deliveries of ${wanted.length} events of tenant ${tenant.tenantId} not recorded: ${(err as Error).message}`);
      return 0;
    }
    afterCommit(() => {
      for (const target of queued) this.signal.notify(target.jobKind);
    });
    return count;
  }

  private async dispatch(
    tx: EntityManager,
    tenant: TenantRef,
    event: DomainEvent,
    types: ReadonlyMap<string, ReadonlySet<string>>,
    queued: Set<IntegrationTarget>,
  ): Promise<number> {
    const targets = this.targets.all().filter((t) => types.get(t.kind)?.has(event.type));
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

  /**
   * Read in the events' own transaction (a lookup on a connection of its own could wait for the
   * pool these transactions hold), at most every WANTED_TYPES_CACHE_MS per tenant.
   */
  private async wanted(tx: EntityManager, tenantId: string): Promise<ReadonlyMap<string, ReadonlySet<string>>> {
    const known = this.wants.get(tenantId);
    if (known && Date.now() - known.readAt < WANTED_TYPES_CACHE_MS) return known.types;
    const types = new Map<string, ReadonlySet<string>>();
    for (const target of this.targets.all()) types.set(target.kind, new Set(await target.wantedEventTypes(tx, tenantId)));
    this.wants.delete(tenantId); // re-inserted last: the oldest entries go first
    this.wants.set(tenantId, { types, readAt: Date.now() });
    if (this.wants.size > MAX_CACHED_TENANTS) this.wants.delete(this.wants.keys().next().value!);
    return types;
  }
}
