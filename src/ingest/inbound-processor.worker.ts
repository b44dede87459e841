import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Attachment, ChannelKind, InboundEvent, InboundMessage, TenantRef } from '../../libs/domain/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { ChannelService } from '../channels/core/channel.service';
import { AppConfig } from '../config/app-config';
import { ConversationService } from '../conversations/conversation.service';
import { ProfileNames } from '../conversations/profile-names.service';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue, backoffMs } from '../queue/job-queue.service';
import { QueueWorker, groupBy, inKeyedLanes, inLanes } from '../queue/queue-worker';
import { WorkSignal } from '../queue/work-signal.service';
import { Metrics } from '../metrics/metrics.service';
import { laneOf } from './arrival-lanes';
import { InboundEventStore, StoredEvent } from './inbound-event.store';
import { InboundIgnored } from './inbound-ignored.store';

/** After this many failed attempts an event is parked as `failed` for an admin to see and replay. */
export const MAX_INBOUND_ATTEMPTS = 5;

/** A receipt (or edit, deletion) for a message we have not recorded yet (our send may still be in flight). */
export class NotYetKnown extends Error {
  constructor(
    message: string,
    /** Where it came from: counted as ignored if it never finds its message. */
    readonly from?: { channelId: string; kind: ChannelKind },
  ) {
    super(message);
  }
}

/** Why nothing came of an item, as counted in inbound_ignored (fixed texts: a reason never names an End User). */
export const IGNORED = {
  empty: 'a message with nothing the inbox reads (no text, no attachment)',
  neverArrived: 'an update about a message that never arrived (retried, then given up)',
  oldReceipt: 'a receipt for a message not sent from the inbox',
  unknownReceipt: 'a receipt for a message never stored',
  unknownEdit: 'an edit of a message never stored',
  unknownDeletion: 'a deletion of a message never stored',
  staleWatermark: 'a delivery or read receipt (watermark) that changed no message',
} as const;

/** A receipt this much older than now cannot be for a send of ours still in flight. */
const RECEIPT_PATIENCE_MS = 24 * 3600_000;

/** Only new messages: the batch path. Anything else (receipts, edits, threads...) goes one by one. */
const batchable = (e: InboundEvent) => e.type === 'ignored' || (e.type === 'message' && !e.message.thread);
const hasContent = (m: Pick<InboundMessage, 'text' | 'attachments'>) => Boolean(m.text || m.attachments?.length);
const waitsForCopy = (attachments: readonly Attachment[] | undefined) => Boolean(attachments?.some((a) => a.state === 'pending'));

/** A job left to the one-by-one path, with its event when already read, and its lane (see laneOf). */
interface OneByOne {
  job: ClaimedJob;
  event?: StoredEvent;
  lane: string;
}

/**
 * Drains stored webhook events: maps each through its channel's mapper into the inbox. Every
 * step is idempotent, so an event processed twice (a crash between apply and completion) is
 * harmless.
 *
 * A claimed batch is worked per tenant: events that only bring new messages (nearly all traffic)
 * are read, recorded and completed with a handful of set-based statements for the whole group;
 * the rest, and any group whose batch fails, go one event at a time with retries and parking.
 * New messages go first, so a receipt, edit or deletion claimed with its message finds it.
 *
 * Order: jobs are claimed in arrival order (JobQueue.claim) and kept in it: a tenant's new
 * messages are recorded in that order (of messages with the same sent_at, the one that came last
 * is the newest: message ids follow insertion), and the one-by-one path applies the events about the same
 * End User or message one after another (see laneOf), the rest side by side.
 */
@Injectable()
export class InboundProcessor extends QueueWorker {
  protected readonly kind = 'inbound';
  protected readonly batchSize = 500;
  protected readonly maxAttempts = MAX_INBOUND_ATTEMPTS;
  protected readonly paceMs = 100;
  // Safe side by side: identities are locked per End User and every write is idempotent; events
  // whose outcome depends on their order share a lane (see handleBatch).
  protected readonly concurrency = 8;
  // Every step is idempotent and replays from the durably stored event.
  protected readonly replayable = true;
  private readonly log = new Logger(InboundProcessor.name);

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    private readonly workSignal: WorkSignal,
    config: AppConfig,
    private readonly conversations: ConversationService,
    private readonly adapters: ChannelAdapters,
    private readonly events: InboundEventStore,
    private readonly channels: ChannelService,
    private readonly ignored: InboundIgnored,
    private readonly profiles: ProfileNames,
    private readonly metrics: Metrics,
  ) {
    super(dbs, queue, workSignal, config);
  }

  /** Once committed: how long each event waited from its webhook's acknowledgement. */
  private observeLag(events: readonly StoredEvent[]): void {
    const now = Date.now();
    for (const e of events) if (e.received_at) this.metrics.inboundLag.observe({ kind: e.kind }, Math.max(0, now - new Date(e.received_at).getTime()) / 1000);
  }

  protected handle(region: string, job: ClaimedJob): Promise<void> {
    return this.process(region, job);
  }

  /** A receipt waiting for its message is asked again soon, not after a growing backoff. */
  protected retryDelayMs(attempts: number, failure: unknown): number {
    return failure instanceof NotYetKnown ? 2000 * attempts : backoffMs(attempts);
  }

  /** Out of attempts: parked as failed for an admin, except an unmatched receipt (e.g. for a message sent outside MonkeyMachine), which is not an error. */
  protected async park(tx: EntityManager, tenant: TenantRef, job: ClaimedJob, failure: unknown): Promise<void> {
    const message = failure instanceof Error ? failure.message : String(failure);
    const state = failure instanceof NotYetKnown ? 'done' : 'failed';
    if (state === 'failed') this.log.error(`inbound event ${job.refId} parked after ${job.attempts} attempts: ${message}`);
    await this.events.settle(tx, tenant.tenantId, job.refId, state, job.attempts, message);
    if (failure instanceof NotYetKnown && failure.from)
      await this.ignored.count(tx, tenant.tenantId, [{ channelId: failure.from.channelId, kind: failure.from.kind, reason: IGNORED.neverArrived }]);
  }

  /** `jobs` in arrival order (JobQueue.claim): each tenant's group keeps it, and so does each lane of the one-by-one path. */
  protected async handleBatch(region: string, jobs: ClaimedJob[]): Promise<void> {
    const oneByOne: OneByOne[] = [];
    await inLanes([...groupBy(jobs, (j) => j.tenantId).values()], this.concurrency, async (group) => {
      const tenant = { tenantId: group[0].tenantId, region };
      const recorded: InboundMessage[] = [];
      oneByOne.push(...(await this.processTogether(tenant, group, recorded)));
      this.askNames(tenant, recorded);
    });
    await inKeyedLanes(
      oneByOne,
      (o) => o.lane,
      this.concurrency,
      ({ job, event }) => this.attempt(region, job, () => this.process(region, job, event)),
    );
  }

  /** The lane of an event read but not mapped yet (a batch that failed): mapped again, only for what it is about. */
  private laneOfStored(job: ClaimedJob, event: StoredEvent | undefined): string {
    if (!event) return laneOf(job.id, undefined, undefined);
    try {
      return laneOf(job.id, event.channel_id, this.adapters.for(event.kind).map(event.payload));
    } catch {
      return laneOf(job.id, undefined, undefined);
    }
  }

  /** After the messages are committed, the names platforms do not send with them: asked in the background (best effort: never fails nor holds up an event). */
  private askNames(tenant: TenantRef, recorded: ReadonlyArray<Pick<InboundMessage, 'channelId' | 'channelKind' | 'externalContactId'>>): void {
    const byChannel = new Map<string, { kind: ChannelKind; ids: string[] }>();
    for (const m of recorded) {
      const entry = byChannel.get(m.channelId) ?? { kind: m.channelKind, ids: [] };
      entry.ids.push(m.externalContactId);
      byChannel.set(m.channelId, entry);
    }
    for (const [channelId, { kind, ids }] of byChannel) this.profiles.ask(tenant, channelId, kind, ids);
  }

  /**
   * Reads the group's events, records their new messages and completes them in one transaction;
   * returns the jobs left for the one-by-one path (all of them if that transaction fails), with
   * the events already read for them.
   */
  private async processTogether(tenant: TenantRef, jobs: ClaimedJob[], recordedOut: InboundMessage[]): Promise<OneByOne[]> {
    let stored = new Map<string, StoredEvent>();
    let done: StoredEvent[] = [];
    try {
      const rest = await this.dbs.unitOfWork(tenant, async (tx) => {
        stored = await this.events.read(
          tx,
          tenant.tenantId,
          jobs.map((j) => j.refId),
        );
        const settled: ClaimedJob[] = [];
        const recorded: ClaimedJob[] = [];
        const alone: Array<{ job: ClaimedJob; lane: string }> = [];
        const inbounds: InboundMessage[] = [];
        const ignoredItems: Array<{ channelId: string; kind: ChannelKind; reason: string }> = [];
        for (const job of jobs) {
          const event = stored.get(job.refId);
          if (!event || event.state !== 'pending') {
            settled.push(job);
            continue;
          }
          let mapped: InboundEvent[];
          try {
            mapped = this.adapters.for(event.kind).map(event.payload);
          } catch {
            alone.push({ job, lane: laneOf(job.id, undefined, undefined) }); // fails there again, and is retried and parked like any failure
            continue;
          }
          if (!mapped.every(batchable)) {
            alone.push({ job, lane: laneOf(job.id, event.channel_id, mapped) });
            continue;
          }
          for (const e of mapped) {
            if (e.type === 'message' && hasContent(e.message))
              inbounds.push(this.withCopies({ ...e.message, channelId: event.channel_id, channelKind: event.kind }));
            else ignoredItems.push({ channelId: event.channel_id, kind: event.kind, reason: e.type === 'ignored' ? e.reason : IGNORED.empty });
          }
          recorded.push(job);
        }
        if (inbounds.length > 0) {
          const results = await this.conversations.receiveInboundBatch(tenant, inbounds);
          const copies = results.filter((r, i) => r.created && waitsForCopy(inbounds[i].attachments));
          for (const r of copies) await this.queue.enqueue(tx, 'media', tenant.tenantId, r.messageId);
          if (copies.length > 0) this.workSignal.notify('media');
        }
        await this.ignored.count(tx, tenant.tenantId, ignoredItems);
        if (recorded.length > 0)
          await this.events.markDone(
            tx,
            tenant.tenantId,
            recorded.map((j) => ({ id: j.refId, attempts: j.attempts })),
          );
        // Jobs of events already done, parked or gone just end.
        if (recorded.length + settled.length > 0) await this.queue.completeMany(tx, [...recorded, ...settled]);
        recordedOut.push(...inbounds);
        done = recorded.map((j) => stored.get(j.refId)!);
        return alone.map(({ job, lane }) => ({ job, event: stored.get(job.refId), lane }));
      });
      this.observeLag(done);
      return rest;
    } catch (err) {
      this.log.warn(`batch of ${jobs.length} inbound events not recorded, going one by one: ${(err as Error).message}`);
      // What was read still holds: nothing of the rolled-back transaction changed the events.
      return jobs.map((job) => ({ job, event: stored.get(job.refId), lane: this.laneOfStored(job, stored.get(job.refId)) }));
    }
  }

  /** One event on its own; `known` is the event when the caller already read it. Throws to be retried or parked. */
  private async process(region: string, job: ClaimedJob, known?: StoredEvent): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    const event = known ?? (await this.dbs.forTenant(tenant, (tx) => this.events.read(tx, tenant.tenantId, [job.refId]))).get(job.refId);
    if (!event || event.state !== 'pending') {
      // Already done, parked or gone: only the job is left to end.
      await this.finish(tenant, job);
      return;
    }
    const mapped = this.adapters.for(event.kind).map(event.payload);
    const ignored: Array<{ channelId: string; kind: ChannelKind; reason: string }> = [];
    for (const e of mapped) {
      const reason = await this.apply(tenant, event.channel_id, event.kind, e);
      if (reason) ignored.push({ channelId: event.channel_id, kind: event.kind, reason });
    }
    await this.finish(tenant, job, async (tx) => {
      await this.events.settle(tx, tenant.tenantId, job.refId, 'done', job.attempts, null);
      await this.ignored.count(tx, tenant.tenantId, ignored);
    });
    this.observeLag([event]);
    await this.askNames(
      tenant,
      mapped.flatMap((e) =>
        e.type === 'message' ? [{ channelId: event.channel_id, channelKind: event.kind, externalContactId: e.message.externalContactId }] : [],
      ),
    );
  }

  /**
   * The files the channel kind can fetch wait for their copy (`pending`); the media job copies
   * them once the message is stored, off the webhook's path and off this one.
   */
  private withCopies(m: InboundMessage): InboundMessage {
    return m.attachments?.length ? { ...m, attachments: this.waitingCopies(m.channelKind, m.attachments) } : m;
  }

  private waitingCopies(kind: ChannelKind, attachments: Attachment[]): Attachment[] {
    const inbound = this.adapters.for(kind).inboundMedia;
    if (!inbound) return attachments;
    return attachments.map((a) => (!a.state && inbound.copyable(a) ? { ...a, state: 'pending' } : a));
  }

  /** One message on its own; its copy job is queued while a file of it waits (a replay of a stored message queues it again, harmlessly). */
  private async receive(tenant: TenantRef, inbound: InboundMessage): Promise<void> {
    const result = await this.conversations.receiveInbound(tenant, this.withCopies(inbound));
    await this.queueCopies(tenant, result.message);
  }

  private async queueCopies(tenant: TenantRef, message: { id: string; attachments: readonly Attachment[] }): Promise<void> {
    if (!waitsForCopy(message.attachments)) return;
    await this.dbs.forTenant(tenant, (tx) => this.queue.enqueue(tx, 'media', tenant.tenantId, message.id));
    this.workSignal.notify('media');
  }

  /** Applies one event; answers why nothing came of it, when nothing did. */
  private async apply(tenant: TenantRef, channelId: string, channelKind: ChannelKind, e: InboundEvent): Promise<string | undefined> {
    const from = { channelId, kind: channelKind };
    switch (e.type) {
      case 'message':
        if (!hasContent(e.message)) return IGNORED.empty;
        await this.receive(tenant, { ...e.message, channelId, channelKind });
        return;
      case 'echo': {
        // What the business sent from the platform's own inbox links to files that expire as well.
        const echoed = await this.conversations.receiveEcho(tenant, {
          ...e,
          channelId,
          channelKind,
          attachments: this.waitingCopies(channelKind, e.attachments),
        });
        if (echoed) await this.queueCopies(tenant, echoed);
        return;
      }
      case 'receipt':
        if (!(await this.conversations.applyReceipt(tenant, channelId, e.externalMessageId, e.status, e.error))) {
          if (e.ifUnknown === 'ignore') return IGNORED.unknownReceipt;
          if (Date.now() - e.at.getTime() > RECEIPT_PATIENCE_MS) return IGNORED.oldReceipt;
          throw new NotYetKnown(`no message ${e.externalMessageId} yet`, from);
        }
        return;
      case 'watermark':
        if (!(await this.conversations.applyWatermark(tenant, channelId, e.externalContactId, e.status, e.watermark))) return IGNORED.staleWatermark;
        return;
      case 'reaction':
        await this.conversations.applyReaction(tenant, channelId, e.externalMessageId, e.action === 'react' ? e.emoji : null);
        return;
      case 'deleted':
        // A deletion may overtake its message; retrying until it lands keeps the content from surviving.
        if (await this.conversations.eraseMessageContent(tenant, channelId, e.externalMessageId)) return;
        if (e.ifUnknown === 'ignore') return IGNORED.unknownDeletion;
        throw new NotYetKnown(`no message ${e.externalMessageId} yet`, from);
      case 'edited':
        // An edit may overtake its message, as a deletion may, unless the platform says it never will come.
        if (await this.conversations.applyEdit(tenant, channelId, e.externalMessageId, e)) return;
        if (e.ifUnknown === 'ignore') return IGNORED.unknownEdit;
        if (e.ifUnknown?.message) {
          if (!hasContent(e.ifUnknown.message)) return IGNORED.empty;
          await this.receive(tenant, { ...e.ifUnknown.message, channelId, channelKind });
          return;
        }
        throw new NotYetKnown(`no message ${e.externalMessageId} yet`, from);
      case 'consent':
        await this.conversations.recordPlatformConsent(
          tenant,
          { channelId, channelKind, externalContactId: e.externalContactId, contactName: e.contactName },
          { purpose: e.purpose, granted: e.granted, source: e.source, at: e.at },
        );
        return;
      case 'notice':
        await this.channels.notifyAccountNotice(tenant, channelId, e.kind, e.message);
        return;
      case 'blocked':
        await this.conversations.setContactBlocked(tenant, channelId, e.externalContactId, e.blocked, e.at);
        return;
      case 'identity_moved':
        if (!(await this.conversations.moveIdentity(tenant, channelId, e.externalContactId, e.newExternalContactId)))
          this.log.warn(`a ${channelKind} identity was not moved to its new id: none under the old id, or one under the new id already`);
        return;
      case 'ignored':
        return e.reason;
    }
  }
}
