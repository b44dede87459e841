import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Subject, Subscription, filter } from 'rxjs';
import { DomainEvent, DomainEvents } from '../common/domain-events.service';

/** A domain event with its place in its tenant's sequence (the SSE `id:`). */
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
  /** Random, new for every log: ids of a forgotten log, a restart or another instance never match. */
  epoch: string;
  /** The tenant's own count of events in this log: the only thing an id tells its reader. */
  seq: number;
  events: StampedEvent[];
  /** Events with seq up to here are no longer held: a client that stopped before them missed some. */
  evictedUpTo: number;
  lastAt: number;
}

/**
 * A bounded, per-tenant memory of recent domain events so a dropped stream resumes with
 * Last-Event-ID. Ids are `<epoch>-<seq>`, both the tenant's own: the sequence counts only this
 * tenant's events (a process-wide counter would let every tenant watch how busy the others are),
 * and the epoch is drawn anew whenever the tenant's log starts (first event of a run, or after
 * the log was forgotten), so an id from a restart, another instance or a forgotten log asks for a
 * reset instead of silently skipping events.
 *
 * Trade-off (vs. a persisted tenant event table): no write per event and nothing to purge, but
 * the memory is lost on restart and, like the in-process DomainEvents bus it listens to, holds
 * only this instance's events. With several instances the bus itself needs a shared transport
 * (PostgreSQL LISTEN/NOTIFY per region, or a broker) first; replay would then follow from it.
 */
@Injectable()
export class EventReplay implements OnModuleDestroy {
  /** Map order is least recently written first, which is the eviction order. */
  private readonly tenants = new Map<string, TenantLog>();
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
    // A reset hands the client an id to resume from next time, so the tenant needs a log now.
    const log = this.tenants.get(tenantId) ?? this.start(tenantId);
    const lastId = `${log.epoch}-${log.seq}`;
    const m = /^([0-9a-f]{8})-(\d{1,15})$/.exec(lastEventId);
    const after = m ? Number(m[2]) : NaN;
    if (!m || m[1] !== log.epoch || after > log.seq) return { kind: 'reset', reason: 'unknown_event_id', lastId };
    if (after < log.evictedUpTo) return { kind: 'reset', reason: 'events_evicted', lastId };
    return { kind: 'replay', events: log.events.filter((e) => e.seq > after) };
  }

  private start(tenantId: string): TenantLog {
    const log: TenantLog = { epoch: randomBytes(4).toString('hex'), seq: 0, events: [], evictedUpTo: 0, lastAt: Date.now() };
    this.tenants.set(tenantId, log);
    if (this.tenants.size > MAX_TENANTS) this.drop(this.tenants.keys().next().value!);
    return log;
  }

  private record(e: DomainEvent): void {
    const log = this.tenants.get(e.tenantId) ?? this.start(e.tenantId);
    this.tenants.delete(e.tenantId); // re-inserted below: the most recently written go last
    const seq = ++log.seq;
    const stamped: StampedEvent = { ...e, seq, id: `${log.epoch}-${seq}`, at: new Date().toISOString() };
    log.events.push(stamped);
    if (log.events.length > REPLAY_PER_TENANT) log.evictedUpTo = log.events.shift()!.seq;
    log.lastAt = Date.now();
    this.tenants.set(e.tenantId, log);
    this.live.next(stamped);
  }

  /** Forgets tenants that had no event for a while (their clients get a reset, never a gap). */
  sweep(now: number): void {
    for (const [tenantId, log] of this.tenants) {
      if (now - log.lastAt < TENANT_IDLE_MS) break; // oldest first: the rest are newer
      this.drop(tenantId);
    }
  }

  /** A forgotten log takes its epoch with it: ids from it ask for a reset from then on. */
  private drop(tenantId: string): void {
    this.tenants.delete(tenantId);
  }
}
