import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Subject, Subscription, filter } from 'rxjs';
import { DomainEvent, DomainEvents } from '../common/domain-events';

/** A domain event with its place in this instance's sequence (the SSE `id:`). */
export interface StampedEvent extends DomainEvent {
  id: string;
  seq: number;
  at: string;
}

/** What a (re)connecting client gets before the live events. */
export type Resume =
  | { kind: 'fresh' }
  | { kind: 'replay'; events: StampedEvent[] }
  /** Events may have been lost (evicted, or the id is from another instance or an earlier run): refetch state over REST. */
  | { kind: 'reset'; reason: 'unknown_event_id' | 'events_evicted'; lastId: string };

export const REPLAY_PER_TENANT = 500;
const TENANT_IDLE_MS = 15 * 60_000;
const MAX_TENANTS = 10_000;

interface TenantLog {
  events: StampedEvent[];
  /** Events with seq up to here are no longer held: a client that stopped before them missed some. */
  evictedUpTo: number;
  lastAt: number;
}

/**
 * A bounded, per-tenant memory of recent domain events so a dropped stream resumes with
 * Last-Event-ID. Ids are `<run>-<seq>`: a run is one process of one instance, so an id from a
 * restart or from another instance asks for a reset instead of silently skipping events.
 *
 * Trade-off (vs. a persisted tenant event table): no write per event and nothing to purge, but
 * the memory is lost on restart and, like the in-process DomainEvents bus it listens to, holds
 * only this instance's events. With several instances the bus itself needs a shared transport
 * (PostgreSQL LISTEN/NOTIFY per region, or a broker) first; replay would then follow from it.
 */
@Injectable()
export class EventReplay implements OnModuleDestroy {
  readonly run = randomBytes(4).toString('hex');
  private seq = 0;
  /** Map order is least recently written first, which is the eviction order. */
  private readonly tenants = new Map<string, TenantLog>();
  /** The highest seq ever dropped with a whole tenant log; a new log cannot vouch for anything before it. */
  private droppedUpTo = 0;
  private readonly live = new Subject<StampedEvent>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;

  constructor(events: DomainEvents) {
    this.subscription = events.all().subscribe((e) => this.record(e));
    this.sweeper = setInterval(() => this.sweep(Date.now()), 60_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
    clearInterval(this.sweeper);
    this.live.complete();
  }

  /**
   * Replays what the client missed and follows the tenant's live events. Both happen in the same
   * tick, so no event can fall between the replay and the subscription.
   */
  follow(tenantId: string, lastEventId: string | undefined, onResume: (r: Resume) => void, onEvent: (e: StampedEvent) => void): Subscription {
    onResume(this.resume(tenantId, lastEventId));
    return this.live.pipe(filter((e) => e.tenantId === tenantId)).subscribe(onEvent);
  }

  resume(tenantId: string, lastEventId: string | undefined): Resume {
    if (!lastEventId) return { kind: 'fresh' };
    const lastId = `${this.run}-${this.seq}`;
    const m = /^([0-9a-f]{8})-(\d{1,15})$/.exec(lastEventId);
    if (!m || m[1] !== this.run) return { kind: 'reset', reason: 'unknown_event_id', lastId };
    const after = Number(m[2]);
    const log = this.tenants.get(tenantId);
    const evictedUpTo = log ? log.evictedUpTo : this.droppedUpTo;
    if (after < evictedUpTo) return { kind: 'reset', reason: 'events_evicted', lastId };
    return { kind: 'replay', events: log ? log.events.filter((e) => e.seq > after) : [] };
  }

  private record(e: DomainEvent): void {
    const seq = ++this.seq;
    const stamped: StampedEvent = { ...e, seq, id: `${this.run}-${seq}`, at: new Date().toISOString() };
    let log = this.tenants.get(e.tenantId);
    if (log) this.tenants.delete(e.tenantId);
    else log = { events: [], evictedUpTo: this.droppedUpTo, lastAt: 0 };
    log.events.push(stamped);
    if (log.events.length > REPLAY_PER_TENANT) log.evictedUpTo = log.events.shift()!.seq;
    log.lastAt = Date.now();
    this.tenants.set(e.tenantId, log);
    if (this.tenants.size > MAX_TENANTS) this.drop(this.tenants.keys().next().value!);
    this.live.next(stamped);
  }

  /** Forgets tenants that had no event for a while (their clients get a reset, never a gap). */
  sweep(now: number): void {
    for (const [tenantId, log] of this.tenants) {
      if (now - log.lastAt < TENANT_IDLE_MS) break; // oldest first: the rest are newer
      this.drop(tenantId);
    }
  }

  private drop(tenantId: string): void {
    const log = this.tenants.get(tenantId);
    if (!log) return;
    this.tenants.delete(tenantId);
    const newest = log.events[log.events.length - 1]?.seq ?? 0;
    this.droppedUpTo = Math.max(this.droppedUpTo, newest);
  }
}
