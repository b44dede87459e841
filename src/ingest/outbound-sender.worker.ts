import { Injectable, Logger } from '@nestjs/common';
import { Clock, DeliveryFailure, MediaStore, MessageOutbox, OutboundFile, RateLimitedFailure, RecipientBlockedFailure, TenantRef } from '../../libs/domain/src';
import type { Message } from '../../libs/domain/src';
import { SignedMediaUrls } from '../media/signed-media-urls';
import { UploadStore } from '../media/upload.store';
import type { ReplyMode } from '../../libs/policy/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { ChannelService } from '../channels/core/channel.service';
import { AppConfig } from '../config/app-config';
import { ConversationService } from '../conversations/conversation.service';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue, LeaseLost } from '../queue/job-queue.service';
import { QueueWorker, RetryHint, inLanes } from '../queue/queue-worker';
import { WorkSignal } from '../queue/work-signal.service';
import { Metrics } from '../metrics/metrics.service';
import { SendLimiter } from './send-limiter';

/** A kind without a messaging window: every reply is a standard one. */
const NO_WINDOW: ReplyMode = { allowed: true, mode: 'standard' };

/** Items by key, each group in the order the items came. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Conversations whose replies a batch sends side by side (each conversation's in order). */
export const SEND_LANES = 8;

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
  protected readonly batchSize = 50;
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
   * claimed), while SEND_LANES conversations are served side by side. Sending waits mostly on the
   * platform and the database, so one at a time left the instance idle.
   */
  protected async handleBatch(region: string, jobs: ClaimedJob[]): Promise<void> {
    const byConversation = new Map<string, ClaimedJob[]>();
    // Queue order is job id order; the claim's UPDATE ... RETURNING answers in no particular order.
    const queued = [...jobs].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
    for (const [tenantId, ofTenant] of groupBy(queued, (j) => j.tenantId)) {
      let conversationOf = new Map<string, string>();
      try {
        conversationOf = await this.outbox.conversationsOf(
          { tenantId, region },
          ofTenant.map((j) => j.refId),
        );
      } catch (err) {
        // Unknown conversations each get a lane of their own: deliver() then meets the same failure and retries.
        this.log.warn(`reading the conversations of a batch failed: ${(err as Error).message}`);
      }
      for (const [key, group] of groupBy(ofTenant, (j) => `${tenantId}:${conversationOf.get(j.refId) ?? `message:${j.refId}`}`)) byConversation.set(key, group);
    }
    await inLanes([...byConversation.values()], SEND_LANES, async (group) => {
      for (const job of group) await this.attempt(region, job, () => this.handle(region, job));
    });
  }

  /** Out of attempts: the message fails with the last failure's code (or INTERNAL_ERROR when it was ours). */
  protected park(_tx: unknown, tenant: TenantRef, job: ClaimedJob, failure: unknown): Promise<void> {
    const { code, text } = failure instanceof SendFailed ? failure : { code: 'INTERNAL_ERROR', text: 'Unexpected error while sending' };
    return this.recordFailure(tenant, job.refId, code, text);
  }

  private async deliver(region: string, job: ClaimedJob): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    const task = await this.outbox.loadDelivery(tenant, job.refId);
    if (!task || task.message.status !== 'queued') return this.finish(tenant, job);

    const channel = await this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, task.channelId));
    if (channel.status !== 'active') {
      return this.fail(tenant, job, channel.status === 'revoked' ? 'CHANNEL_REVOKED' : 'CHANNEL_DISCONNECTED', `The channel is ${channel.status}`);
    }
    const adapter = this.adapters.for(channel.kind);
    const mode = adapter.capabilities.replyWindow?.(task.conversation.lastInboundAt, this.clock.now()) ?? NO_WINDOW;
    if (!mode.allowed && !task.template) return this.fail(tenant, job, mode.code, mode.reason);

    const files = await this.filesOf(tenant, task.message);
    if (!files) return this.fail(tenant, job, 'MEDIA_UNAVAILABLE', 'A file of this message is no longer stored');
    const limits = adapter.capabilities.sendLimits;
    const pass = await this.limiter.pass(region, channel.id, task.recipientExternalId, limits);
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
        ...(task.replyToExternalId ? { replyToExternalId: task.replyToExternalId } : {}),
        replyMode: mode.allowed ? mode.mode : 'standard',
      });
      await this.finish(tenant, job, async () =>
        this.conversations.publishStatus(tenant, await this.outbox.markSent(tenant, task.message.id, receipt.externalId)),
      );
      this.metrics.sends.inc({ kind: channel.kind, outcome: 'sent', code: '' });
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
