import { Injectable, Logger } from '@nestjs/common';
import { Clock, DeliveryFailure, MediaStore, MessageOutbox, OutboundFile, RateLimitedFailure, RecipientBlockedFailure, TenantRef } from '../../libs/domain/src';
import type { DeliveryTask, Message } from '../../libs/domain/src';
import { SignedMediaUrls } from '../media/signed-media-urls';
import { UploadStore } from '../media/upload.store';
import type { ReplyMode } from '../../libs/policy/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { ChannelService, type ChannelWithCredentials } from '../channels/core/channel.service';
import { AppConfig } from '../config/app-config';
import { ConversationService } from '../conversations/conversation.service';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue, LeaseLost } from '../queue/job-queue.service';
import { QueueWorker, RetryHint, groupBy, inLanes } from '../queue/queue-worker';
import { WorkSignal } from '../queue/work-signal.service';
import { Metrics } from '../metrics/metrics.service';
import { SendLimiter } from './send-limiter';
import { SentOutcome, SentRecorder } from './sent-recorder';

/** What a batch read for one of its sends: null when there is nothing to deliver. */
type Prepared = { task: DeliveryTask; channel: Promise<ChannelWithCredentials> } | { task: null };

/** A batch's reads, how many sends of each channel are still to go (the limiter's block size), and its recorder. */
interface BatchContext {
  prepared: Map<string, Prepared>;
  /** Platform ids of the batch's messages sent so far: a reply quoting one read its task before it had one. */
  sentIds: Map<string, string>;
  channelSends: Map<string, number>;
  recorder: SentRecorder;
}

/** A kind without a messaging window: every reply is a standard one. */
const NO_WINDOW: ReplyMode = { allowed: true, mode: 'standard' };

/**
 * Conversations whose replies a batch sends side by side (each conversation's in order): a send
 * waits mostly on the platform, so the lanes keep it busy.
 */
export const SEND_LANES = 32;

/** Retryable failures give up after this many attempts (about an hour of backoff). */
export const MAX_SEND_ATTEMPTS = 10;

/** A send that may work later: the code and text the message fails with if this was its last attempt. */
export class SendFailed extends Error implements RetryHint {
  constructor(
    readonly code: string,
    readonly text: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${text}`);
  }
}

/**
 * Delivers queued messages through their channel's gateway. The platform call happens outside
 * any transaction; the outcome is recorded afterwards. Retryable errors back off (honouring the
 * platform's retry-after), permanent ones fail the message with the platform's code, and a
 * revoked token disables the channel and tells the Customer. Every send first takes a slot under
 * its platform's throughput limits (SendLimiter, shared by all instances); a rate-limit answer
 * pauses that channel only.
 */
@Injectable()
export class OutboundSender extends QueueWorker {
  protected readonly kind = 'outbound';
  /**
   * Enough for a channel sending at its full rate to take a few blocks of slots per batch (see
   * SendLimiter), and for a backlog to spread a batch's claim, reads and final record over many
   * sends (bench:send: 200 -> 500 took transactions per send from 0.12 to 0.07 and PostgreSQL's
   * CPU per send down by a quarter or more).
   */
  protected readonly batchSize = 500;
  protected readonly maxAttempts = MAX_SEND_ATTEMPTS;
  private readonly log = new Logger(OutboundSender.name);

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    config: AppConfig,
    private readonly outbox: MessageOutbox,
    private readonly conversations: ConversationService,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
    private readonly clock: Clock,
    private readonly uploads: UploadStore,
    private readonly media: MediaStore,
    private readonly signedUrls: SignedMediaUrls,
    private readonly limiter: SendLimiter,
    private readonly metrics: Metrics,
  ) {
    super(dbs, queue, signal, config);
  }

  protected handle(region: string, job: ClaimedJob): Promise<void> {
    return this.deliver(region, job);
  }

  /**
   * A batch in lanes by conversation: one conversation's replies go out one after another in the
   * order they were queued (claims are in that order, and a batch ends before the next is
   * claimed), while SEND_LANES conversations are served side by side. What the sends need is read
   * for the whole batch at once (the messages, conversations and identities in one transaction
   * per tenant, each channel's credentials once), and the sends that succeed are recorded in
   * groups (SentRecorder): the database work per send is a share of a few statements.
   */
  protected async handleBatch(region: string, jobs: ClaimedJob[]): Promise<void> {
    const byConversation = new Map<string, ClaimedJob[]>();
    const prepared = new Map<string, Prepared>();
    // Queue order is job id order; the claim answers by due time, where a reply waiting for its retry comes after replies queued later.
    const queued = [...jobs].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
    const channelSends = new Map<string, number>();
    for (const [tenantId, ofTenant] of groupBy(queued, (j) => j.tenantId)) {
      const tenant: TenantRef = { tenantId, region };
      let tasks = new Map<string, DeliveryTask | null>();
      try {
        tasks = await this.outbox.loadDeliveries(
          tenant,
          ofTenant.map((j) => j.refId),
        );
      } catch (err) {
        // Each job then reads its own (deliver() meets the same failure and retries).
        this.log.warn(`reading the deliveries of a batch failed: ${(err as Error).message}`);
      }
      const channels = new Map<string, Promise<ChannelWithCredentials>>();
      for (const job of ofTenant) {
        const task = tasks.get(job.refId);
        if (task === undefined) continue;
        if (task) {
          let channel = channels.get(task.channelId);
          if (!channel) {
            channel = this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, task.channelId));
            // Read once per batch; a failure is met (and retried) by each send of the channel.
            channel.catch(() => undefined);
            channels.set(task.channelId, channel);
          }
          prepared.set(job.id, { task, channel });
          channelSends.set(`${tenantId}:${task.channelId}`, (channelSends.get(`${tenantId}:${task.channelId}`) ?? 0) + 1);
        } else prepared.set(job.id, { task: null });
      }
      for (const [key, group] of groupBy(ofTenant, (j) => `${tenantId}:${tasks.get(j.refId)?.conversation.id ?? `message:${j.refId}`}`))
        byConversation.set(key, group);
    }
    const recorder = new SentRecorder(
      (tenant, outcomes) => this.recordSent(tenant, outcomes),
      (tenant, outcome) => this.attempt(region, outcome.job, () => this.recordSent(tenant, [outcome])),
    );
    const batch: BatchContext = { prepared, recorder, channelSends, sentIds: new Map() };
    await inLanes([...byConversation.values()], SEND_LANES, async (group) => {
      for (const job of group) await this.attempt(region, job, () => this.deliver(region, job, batch));
    });
    await recorder.settled();
  }

  /** Sends the platform accepted: their ids, the jobs' end and the status events, in one unit of work. */
  private recordSent(tenant: TenantRef, outcomes: readonly SentOutcome[]): Promise<void> {
    return this.dbs.unitOfWork(tenant, async (tx) => {
      const recorded = await this.outbox.markSentMany(
        tenant,
        outcomes.map((o) => ({ messageId: o.messageId, externalId: o.externalId })),
      );
      for (const m of recorded) this.conversations.publishStatus(tenant, m);
      await this.queue.completeMany(
        tx,
        outcomes.map((o) => o.job),
      );
    });
  }

  /** Out of attempts: the message fails with the last failure's code (or INTERNAL_ERROR when it was ours). */
  protected park(_tx: unknown, tenant: TenantRef, job: ClaimedJob, failure: unknown): Promise<void> {
    const { code, text } = failure instanceof SendFailed ? failure : { code: 'INTERNAL_ERROR', text: 'Unexpected error while sending' };
    return this.recordFailure(tenant, job.refId, code, text);
  }

  /** One send; `batch` holds what its batch read for it, and records it when it went out. */
  private async deliver(region: string, job: ClaimedJob, batch?: BatchContext): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    const ready = batch?.prepared.get(job.id);
    // Read once: a retry of this job in a later batch reads afresh.
    batch?.prepared.delete(job.id);
    const task = ready ? ready.task : (await this.outbox.loadDeliveries(tenant, [job.refId])).get(job.refId);
    if (task === undefined) throw new Error(`the conversation of message ${job.refId} was not found`);
    if (!task || task.message.status !== 'queued') return this.finish(tenant, job);
    // Quoting a reply of the same batch: that one went out before this one (its lane is this conversation's).
    const quotedSent = task.message.replyToId ? batch?.sentIds.get(task.message.replyToId) : undefined;
    const replyToExternalId = quotedSent ?? task.replyToExternalId;

    const channel = await (ready?.task ? ready.channel : this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, task.channelId)));
    if (channel.status !== 'active') {
      return this.fail(tenant, job, channel.status === 'revoked' ? 'CHANNEL_REVOKED' : 'CHANNEL_DISCONNECTED', `The channel is ${channel.status}`);
    }
    const adapter = this.adapters.for(channel.kind);
    const mode = adapter.capabilities.replyWindow?.(task.conversation.lastInboundAt, this.clock.now()) ?? NO_WINDOW;
    if (!mode.allowed && !task.template) return this.fail(tenant, job, mode.code, mode.reason);

    const files = await this.filesOf(tenant, task.message);
    if (!files) return this.fail(tenant, job, 'MEDIA_UNAVAILABLE', 'A file of this message is no longer stored');
    const limits = adapter.capabilities.sendLimits;
    const sendsKey = `${tenant.tenantId}:${channel.id}`;
    const upcoming = batch?.channelSends.get(sendsKey) ?? 1;
    batch?.channelSends.set(sendsKey, Math.max(1, upcoming - 1));
    const pass = await this.limiter.pass(region, channel.id, task.recipientExternalId, limits, upcoming);
    // Not an attempt: the job goes back uncounted, for whichever instance holds it when the channel may send again.
    if (!pass.go) {
      this.metrics.sends.inc({ kind: channel.kind, outcome: 'throttled', code: '' });
      return this.queue.release(region, [job], pass.retryInMs);
    }
    try {
      const receipt = await adapter.gateway.send({
        messageId: task.message.id,
        channel: { id: channel.id, kind: channel.kind, config: channel.config, credentials: channel.credentials },
        recipientId: task.recipientExternalId,
        text: task.message.text,
        attachments: task.message.attachments,
        files,
        template: task.template ?? undefined,
        ...(task.choices ? { choices: task.choices } : {}),
        ...(replyToExternalId ? { replyToExternalId } : {}),
        replyMode: mode.allowed ? mode.mode : 'standard',
      });
      this.metrics.sends.inc({ kind: channel.kind, outcome: 'sent', code: '' });
      const outcome: SentOutcome = { job, messageId: task.message.id, externalId: receipt.externalId };
      if (batch) {
        batch.sentIds.set(task.message.id, receipt.externalId);
        batch.recorder.add(tenant, outcome);
      } else await this.recordSent(tenant, [outcome]);
    } catch (err) {
      if (!(err instanceof DeliveryFailure)) {
        if (err instanceof LeaseLost) throw err;
        this.metrics.sends.inc({ kind: channel.kind, outcome: 'retry', code: 'INTERNAL_ERROR' });
        this.log.error(`sending message ${task.message.id} failed unexpectedly: ${(err as Error).message}`);
        throw new SendFailed('INTERNAL_ERROR', 'Unexpected error while sending');
      }
      const outcome = err instanceof RateLimitedFailure ? 'rate_limited' : err.kind === 'retryable' ? 'retry' : 'failed';
      this.metrics.sends.inc({ kind: channel.kind, outcome, code: err.platformCode.slice(0, 40) });
      if (err instanceof RateLimitedFailure) await this.limiter.pause(region, channel.id, limits, err.retryAfterMs);
      if (err.kind === 'retryable') throw new SendFailed(err.platformCode, err.platformText, err.retryAfterMs);
      if (err.kind === 'revoked') await this.channels.markRevoked(tenant, channel.id, `${err.platformCode}: ${err.platformText}`);
      if (err instanceof RecipientBlockedFailure)
        await this.conversations.setContactBlocked(tenant, channel.id, task.recipientExternalId, true, this.clock.now());
      await this.fail(tenant, job, err.platformCode, err.platformText);
    }
  }

  /** The message's uploaded files, read from the store as the gateway streams them; null when one is gone (erased meanwhile). */
  private async filesOf(tenant: TenantRef, message: Message): Promise<OutboundFile[] | null> {
    const ids = message.attachments.flatMap((a) => (a.uploadId ? [a.uploadId] : []));
    if (ids.length === 0) return [];
    const found = new Map((await this.uploads.findMany(tenant, ids)).map((u) => [u.id, u]));
    if (ids.some((id) => !found.has(id))) return null;
    return ids.map((id) => {
      const u = found.get(id)!;
      return {
        uploadId: u.id,
        fileName: u.fileName,
        mimeType: u.mimeType,
        size: u.size,
        open: () => this.media.open(tenant, u.blobId),
        url: this.signedUrls.url(tenant, u.id),
      };
    });
  }

  /** A failure no retry can fix: the message fails now, in the transaction that ends the job. */
  private fail(tenant: TenantRef, job: ClaimedJob, code: string, text: string): Promise<void> {
    return this.finish(tenant, job, () => this.recordFailure(tenant, job.refId, code, text));
  }

  private async recordFailure(tenant: TenantRef, messageId: string, code: string, text: string): Promise<void> {
    this.conversations.publishStatus(tenant, await this.outbox.markFailed(tenant, messageId, code, text));
  }
}
