import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { afterCommit, beforeCommit, joinUnitOfWork, outsideUnitOfWork, unitOfWorkTenant } from '../database/unit-of-work';
import { EventFeed } from './event-feed.service';
import type { EventRecorder, LoggedEvent, PublishedEvent } from './domain-event';
import { EventLogStore } from './event-log.store';

export type { DomainEvent, EventRecorder, LoggedEvent, PublishedEvent } from './domain-event';

/**
 * Publication of changes, through the region's durable event log (EventLogStore). Inside a unit
 * of work the events are written in its transaction, after its work and just before COMMIT
 * (with whatever the recorders write for them, such as webhook deliveries): committed together
 * with the change or not at all. Outside one, they are written in a transaction of their own at
 * once (the events published in the same tick together), so a crash in between can lose them:
 * publishers whose events matter run in a unit of work.
 *
 * Readers follow a tenant's committed events from the log through EventFeed, whichever instance
 * wrote them.
 */
@Injectable()
export class DomainEvents implements OnModuleDestroy {
  private readonly log = new Logger(DomainEvents.name);
  private readonly recorders: EventRecorder[] = [];
  /** The events each unit of work in progress published so far, by its transaction. */
  private readonly pending = new WeakMap<EntityManager, PublishedEvent[]>();
  /** Published outside a unit of work, written on the next turn, per tenant. */
  private readonly loose = new Map<string, PublishedEvent[]>();
  private readonly writing = new Map<string, Promise<void>>();
  private readonly here = new Subject<LoggedEvent>();

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly store: EventLogStore,
    private readonly feed: EventFeed,
  ) {}

  publish(event: PublishedEvent): void {
    const tenant = { tenantId: event.tenantId, region: event.region };
    const unit = unitOfWorkTenant();
    if (unit && unit.tenantId === tenant.tenantId && unit.region === tenant.region) {
      const tx = joinUnitOfWork(tenant)!;
      let batch = this.pending.get(tx);
      if (!batch) {
        const events: PublishedEvent[] = (batch = []);
        this.pending.set(tx, events);
        beforeCommit((t) => this.write(t, tenant, events));
      }
      batch.push(event);
      return;
    }
    const key = `${tenant.region}:${tenant.tenantId}`;
    const queued = this.loose.get(key);
    if (queued) return void queued.push(event);
    this.loose.set(key, [event]);
    setImmediate(() => this.writeLoose(key, tenant));
  }

  /** `recorder` runs in the transaction of every batch of events, before they are written. */
  record(recorder: EventRecorder): void {
    this.recorders.push(recorder);
  }

  /** The tenant's committed events from about now on, from every instance (see EventFeed). */
  forTenant(tenant: TenantRef): Observable<LoggedEvent> {
    return new Observable<LoggedEvent>((subscriber) => {
      const feed = this.feed.subscribe(tenant, (e) => subscriber.next(e));
      return () => feed.unsubscribe();
    });
  }

  /** Events committed by this instance, once committed (for caches of this instance only). */
  committedHere(): Observable<LoggedEvent> {
    return this.here.asObservable();
  }

  /** Resolves once every event published outside a unit of work so far is written. */
  async settled(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.writing.size > 0) await Promise.all([...this.writing.values()]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.settled();
    this.here.complete();
  }

  private async write(tx: EntityManager, tenant: TenantRef, events: readonly PublishedEvent[]): Promise<void> {
    const plain = events.map(({ tenantId, type, data }) => ({ tenantId, type, data }));
    for (const recorder of this.recorders) await recorder(tx, tenant, plain);
    const logged = await this.store.append(tx, tenant, plain);
    afterCommit(() => {
      this.announce(tenant, logged[logged.length - 1].seq);
      this.feed.committed(tenant, logged);
      for (const e of logged) this.here.next(e);
    });
  }

  /**
   * The tenants whose events committed this turn, by region, with their last number: announced
   * to the other instances in one statement per region and turn (see EventLogStore.append).
   */
  private readonly moved = new Map<string, Map<string, number>>();

  private announce(tenant: TenantRef, seq: number): void {
    let region = this.moved.get(tenant.region);
    if (!region) {
      const r = (region = new Map());
      this.moved.set(tenant.region, r);
      setImmediate(() => {
        this.moved.delete(tenant.region);
        this.store
          .announce(
            tenant.region,
            [...r].map(([t, n]) => `${t}:${n}`),
          )
          .catch((err) => this.log.warn(`region ${tenant.region}: events not announced: ${(err as Error).message}`));
      });
    }
    region.set(tenant.tenantId, Math.max(seq, region.get(tenant.tenantId) ?? 0));
  }

  /** One transaction per tenant and turn, in the order published. */
  private writeLoose(key: string, tenant: TenantRef): void {
    const events = this.loose.get(key) ?? [];
    this.loose.delete(key);
    const previous = this.writing.get(key) ?? Promise.resolve();
    const done: Promise<void> = previous
      .then(() => outsideUnitOfWork(() => this.dbs.unitOfWork(tenant, (tx) => this.write(tx, tenant, events))))
      .catch((err) => this.log.error(`${events.length} events of tenant ${tenant.tenantId} not written: ${(err as Error).message}`))
      .finally(() => {
        if (this.writing.get(key) === done) this.writing.delete(key);
      });
    this.writing.set(key, done);
  }
}
