import { Injectable, Logger } from '@nestjs/common';
import { Subscription } from 'rxjs';
import type { TenantRef } from '../../libs/domain/src';
import type { LoggedEvent } from '../common/domain-events.service';
import { EventFeed } from '../common/event-feed.service';
import { EventLogStore } from '../common/event-log.store';
import { TenantDirectory } from '../tenancy/tenant-directory.store';

/** A domain event with its place in its tenant's log (the SSE `id:`). */
export type StampedEvent = LoggedEvent;

/** What a (re)connecting client gets before the live events. */
export type Resume =
  | { kind: 'fresh' }
  | { kind: 'replay'; events: StampedEvent[] }
  /** Events may have been lost (trimmed, too many, or the id is not of this tenant's log): refetch state over REST. */
  | { kind: 'reset'; reason: 'unknown_event_id' | 'events_evicted'; lastId: string };

/** A client that missed more than this many events refetches over REST instead of replaying them. */
export const REPLAY_PER_TENANT = 500;
const RESUME_ATTEMPTS = 5;

/**
 * Resumes a dropped stream with Last-Event-ID from the region's durable event log (see the
 * EventLog migration and EventFeed), on any instance and after any restart: ids are
 * `<epoch>-<seq>`, both the tenant's own, so an id says nothing of other tenants' activity.
 * A reset says the gap cannot be replayed: an id that is not of the tenant's log (malformed,
 * from the future, or of a log since recreated), or events trimmed by retention, or more than
 * REPLAY_PER_TENANT of them missed.
 *
 * Trade-off (vs. the in-memory log this replaced): one write per committed batch of events (in
 * the change's transaction), a notification, and a read per batch on each other instance that
 * follows the tenant; in return streams and replay work across instances and restarts.
 */
@Injectable()
export class EventReplay {
  private readonly log = new Logger(EventReplay.name);
  /** Regions never change: looked up in the directory once per tenant and process. */
  private readonly regions = new Map<string, string>();

  constructor(
    private readonly feed: EventFeed,
    private readonly store: EventLogStore,
    private readonly directory: TenantDirectory,
  ) {}

  /**
   * Replays what the client missed, then follows the tenant's live events: `onResume` runs once,
   * before any `onEvent`, and no event is missed or repeated between the replay and the live
   * ones (the live ones are held while the log is read, and passed on by number after it).
   */
  follow(tenantId: string, lastEventId: string | undefined, onResume: (r: Resume) => void, onEvent: (e: StampedEvent) => void): Subscription {
    const subscription = new Subscription();
    let held: StampedEvent[] | null = [];
    let passed = 0;
    const pass = (e: StampedEvent) => {
      if (e.seq <= passed) return;
      passed = e.seq;
      onEvent(e);
    };
    void (async () => {
      const tenant = await this.tenant(tenantId);
      if (subscription.closed) return;
      const feed = this.feed.subscribe(tenant, (e) => (held ? held.push(e) : pass(e)));
      subscription.add(() => feed.unsubscribe());
      // The head is read after the feed's own: whatever is past it, the feed passes on.
      await feed.ready;
      if (subscription.closed) return;
      const resume = await this.resumeRetrying(tenant, lastEventId, () => subscription.closed);
      if (subscription.closed) return;
      onResume(resume);
      if (resume.kind === 'replay') passed = resume.events.length ? resume.events[resume.events.length - 1].seq : seqOf(lastEventId!);
      if (resume.kind === 'reset') passed = seqOf(resume.lastId);
      for (const e of held!) pass(e);
      held = null;
    })().catch((err) => {
      this.log.error(`events of tenant ${tenantId}: stream not resumed: ${(err as Error).message}`);
      subscription.unsubscribe();
    });
    return subscription;
  }

  async resume(tenantOrId: TenantRef | string, lastEventId: string | undefined): Promise<Resume> {
    if (!lastEventId) return { kind: 'fresh' };
    const tenant = typeof tenantOrId === 'string' ? await this.tenant(tenantOrId) : tenantOrId;
    const head = await this.store.head(tenant);
    const lastId = `${head.epoch}-${head.lastSeq}`;
    const m = /^([0-9a-f]{8})-(\d{1,15})$/.exec(lastEventId);
    const after = m ? Number(m[2]) : NaN;
    if (!m || m[1] !== head.epoch || after > head.lastSeq) return { kind: 'reset', reason: 'unknown_event_id', lastId };
    if (after === head.lastSeq) return { kind: 'replay', events: [] };
    if (head.firstSeq === null || head.firstSeq > after + 1 || head.lastSeq - after > REPLAY_PER_TENANT)
      return { kind: 'reset', reason: 'events_evicted', lastId };
    return { kind: 'replay', events: await this.store.after(tenant, after, head.lastSeq - after) };
  }

  /** A database that is briefly away (a failover) delays the resume rather than ending the stream. */
  private async resumeRetrying(tenant: TenantRef, lastEventId: string | undefined, gone: () => boolean): Promise<Resume> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.resume(tenant, lastEventId);
      } catch (err) {
        if (attempt >= RESUME_ATTEMPTS || gone()) throw err;
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  }

  private async tenant(tenantId: string): Promise<TenantRef> {
    let region = this.regions.get(tenantId);
    if (!region) {
      const found = await this.directory.regionOf(tenantId);
      if (!found) throw new Error('no such tenant');
      region = found;
      if (this.regions.size >= 10_000) this.regions.clear();
      this.regions.set(tenantId, region);
    }
    return { tenantId, region };
  }
}

const seqOf = (id: string) => Number(id.slice(id.indexOf('-') + 1));
