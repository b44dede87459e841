import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, ConversationRepository, DeliveryFailure, TenantRef } from '../../libs/domain/src';
import { replyMode } from '../../libs/policy/src';
import { ChannelAdapters } from '../channels/channel-adapter';
import { ChannelService } from '../channels/channel.service';
import { AppConfig } from '../config/app-config';
import { ConversationService } from '../conversations/conversation.service';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue, backoffMs } from './job-queue';
import { WorkSignal } from '../common/work-signal';
import { WorkerLoop } from './worker-loop';

/** Retryable failures give up after this many attempts (about an hour of backoff). */
export const MAX_SEND_ATTEMPTS = 10;
const BATCH = 20;

/**
 * Delivers queued messages through their channel's gateway. The platform call happens outside
 * any transaction; the outcome is recorded afterwards. Retryable errors back off (honouring the
 * platform's retry-after), permanent ones fail the message with the platform's code, and a
 * revoked token disables the channel and tells the Customer.
 */
@Injectable()
export class OutboundSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboundSender.name);
  private readonly loop: WorkerLoop;
  private unsubscribe?: () => void;

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly queue: JobQueue,
    private readonly repo: ConversationRepository,
    private readonly conversations: ConversationService,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
    private readonly signal: WorkSignal,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {
    this.loop = new WorkerLoop(OutboundSender.name, () => this.dbs.regions(), (region) => this.sendBatch(region), config.workerIdleMs);
  }

  onApplicationBootstrap(): void {
    if (!this.config.workersEnabled) return;
    this.unsubscribe = this.signal.subscribe('outbound', () => this.loop.wake());
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  async drain(): Promise<number> {
    let total = 0;
    for (const region of this.dbs.regions()) {
      for (let n = await this.sendBatch(region); n > 0; n = await this.sendBatch(region)) total += n;
    }
    return total;
  }

  async sendBatch(region: string): Promise<number> {
    const jobs = await this.queue.claim(region, 'outbound', BATCH);
    for (const job of jobs) await this.deliver(region, job);
    return jobs.length;
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
