import { Injectable, Logger } from '@nestjs/common';
import { Clock, ConversationRepository, DeliveryFailure, RecipientBlockedFailure, TenantRef } from '../../libs/domain/src';
import { replyMode } from '../../libs/policy/src';
import { ChannelAdapters } from '../channels/channel-adapter';
import { ChannelService } from '../channels/channel.service';
import { AppConfig } from '../config/app-config';
import { ConversationService } from '../conversations/conversation.service';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue, backoffMs } from './job-queue';
import { WorkSignal } from '../common/work-signal';
import { QueueWorker } from './queue-worker';

/** Retryable failures give up after this many attempts (about an hour of backoff). */
export const MAX_SEND_ATTEMPTS = 10;

/**
 * Delivers queued messages through their channel's gateway. The platform call happens outside
 * any transaction; the outcome is recorded afterwards. Retryable errors back off (honouring the
 * platform's retry-after), permanent ones fail the message with the platform's code, and a
 * revoked token disables the channel and tells the Customer.
 */
@Injectable()
export class OutboundSender extends QueueWorker {
  protected readonly kind = 'outbound';
  protected readonly batchSize = 20;
  private readonly log = new Logger(OutboundSender.name);

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    config: AppConfig,
    private readonly repo: ConversationRepository,
    private readonly conversations: ConversationService,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
    private readonly clock: Clock,
  ) {
    super(dbs, queue, signal, config);
  }

  protected handle(region: string, job: ClaimedJob): Promise<void> {
    return this.deliver(region, job);
  }

  private async deliver(region: string, job: ClaimedJob): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    const task = await this.repo.loadDelivery(tenant, job.refId);
    if (!task || task.message.status !== 'queued') return this.done(tenant, job);

    const channel = await this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, task.channelId));
    if (channel.status !== 'active') {
      return this.fail(tenant, job, channel.status === 'revoked' ? 'CHANNEL_REVOKED' : 'CHANNEL_DISCONNECTED', `The channel is ${channel.status}`);
    }
    const mode = replyMode(channel.kind, task.conversation.lastInboundAt, this.clock.now());
    if (!mode.allowed && !task.template) return this.fail(tenant, job, mode.code, mode.reason);

    try {
      const receipt = await this.adapters.for(channel.kind).gateway.send({
        messageId: task.message.id,
        channel: { id: channel.id, kind: channel.kind, config: channel.config, credentials: channel.credentials },
        recipientId: task.recipientExternalId,
        text: task.message.text,
        attachments: task.message.attachments,
        template: task.template ?? undefined,
        replyMode: mode.allowed ? mode.mode : 'standard',
      });
      const sent = await this.repo.markSent(tenant, task.message.id, receipt.externalId);
      this.conversations.publishStatus(tenant, sent);
      await this.done(tenant, job);
    } catch (err) {
      if (!(err instanceof DeliveryFailure)) {
        this.log.error(`sending message ${task.message.id} failed unexpectedly: ${(err as Error).message}`);
        return this.retry(tenant, region, job, backoffMs(job.attempts), 'INTERNAL_ERROR', 'Unexpected error while sending');
      }
      if (err.kind === 'retryable') return this.retry(tenant, region, job, Math.max(backoffMs(job.attempts), err.retryAfterMs ?? 0), err.platformCode, err.platformText);
      if (err.kind === 'revoked') await this.channels.markRevoked(tenant, channel.id, `${err.platformCode}: ${err.platformText}`);
      if (err instanceof RecipientBlockedFailure) await this.conversations.setContactBlocked(tenant, channel.id, task.recipientExternalId, true, this.clock.now());
      await this.fail(tenant, job, err.platformCode, err.platformText);
    }
  }

  private async retry(tenant: TenantRef, region: string, job: ClaimedJob, delayMs: number, code: string, text: string): Promise<void> {
    if (job.attempts >= MAX_SEND_ATTEMPTS) return this.fail(tenant, job, code, text);
    await this.queue.retryLater(region, job.id, delayMs);
  }

  private async fail(tenant: TenantRef, job: ClaimedJob, code: string, text: string): Promise<void> {
    const failed = await this.repo.markFailed(tenant, job.refId, code, text);
    this.conversations.publishStatus(tenant, failed);
    await this.done(tenant, job);
  }

  private done(tenant: TenantRef, job: ClaimedJob): Promise<void> {
    return this.dbs.forTenant(tenant, (tx) => this.queue.complete(tx, job.id));
  }
}
