import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Attachment, DeliveryFailure, MediaCopyFailure, MediaLimitExceeded, MediaStore, TenantRef } from '../../libs/domain/src';
import type { MediaKind } from '../../libs/policy/src';
import type { ChannelInboundMedia } from '../channels/core/channel-adapter';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { ChannelService } from '../channels/core/channel.service';
import { FetchedMedia, MediaFetchFailure } from '../channels/core/media-fetch';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { ClaimedJob, JobQueue } from '../queue/job-queue.service';
import { QueueWorker } from '../queue/queue-worker';
import { WorkSignal } from '../queue/work-signal.service';
import { sniffContentType } from './content-sniffer';
import { InboundMediaStore } from './inbound-media.store';
import { UploadService, cleanFileName, nonEmpty } from './upload.service';

/**
 * Attempts before the copies still waiting are marked failed (fetch_failed): backoff doubling from
 * 2 s, about 17 minutes in all, so a platform's outage of a few minutes loses no file (the links
 * and ids live for hours to days; each attempt asks the platform for a fresh URL).
 */
export const MAX_MEDIA_ATTEMPTS = 10;

/** A copy that failed for good, with the reason the messages API shows. */
class CopyRefused extends Error {
  constructor(readonly failure: MediaCopyFailure) {
    super(failure);
  }
}

const KIND_OF: Partial<Record<Attachment['type'], MediaKind>> = { image: 'image', sticker: 'image', video: 'video', audio: 'audio', file: 'file' };

/** Graph's answer for an id that is gone or never was (code 100, subcode 33), or a bare 404 of any platform client. */
const goneAtPlatform = (err: DeliveryFailure) => err.platformCode === 'HTTP_404' || err.platformCode === 'HTTP_410' || err.platformCode === '100/33';

/**
 * Copies the files of inbound messages from the platform into the tenant's media store (the
 * `media` queue, one job per message, queued by the inbound processor with the message): every
 * pending attachment is fetched through its channel kind's inbound media part, streamed into the
 * store under the platform's limit and the tenant's quota, typed from its bytes, and recorded
 * on the message. An attachment's outcome is written as soon as it is known, so a retry fetches
 * only what still waits; a platform failure is retried with backoff, and after the last attempt
 * what still waits is marked failed.
 */
@Injectable()
export class InboundMediaCopier extends QueueWorker {
  protected readonly kind = 'media';
  protected readonly batchSize = 20;
  protected readonly maxAttempts = MAX_MEDIA_ATTEMPTS;
  // Files of different messages are independent; a slow platform must not hold up the rest.
  protected readonly concurrency = 4;
  private readonly log = new Logger(InboundMediaCopier.name);

  constructor(
    dbs: RegionDatabases,
    queue: JobQueue,
    signal: WorkSignal,
    private readonly appConfig: AppConfig,
    private readonly adapters: ChannelAdapters,
    private readonly channels: ChannelService,
    private readonly media: MediaStore,
    private readonly uploads: UploadService,
    private readonly store: InboundMediaStore,
  ) {
    super(dbs, queue, signal, appConfig);
  }

  protected async handle(region: string, job: ClaimedJob): Promise<void> {
    const tenant: TenantRef = { tenantId: job.tenantId, region };
    const message = await this.store.message(tenant, job.refId);
    const pending = message ? InboundMediaStore.pendingIndexes(message.attachments) : [];
    if (!message || pending.length === 0 || !message.externalId) return this.finish(tenant, job);

    const channel = await this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, message.channelId));
    const inbound = this.adapters.find(channel.kind)?.inboundMedia;
    let retry: unknown = null;
    for (const index of pending) {
      try {
        await this.copy(tenant, channel, inbound, message.id, message.externalId, index, message.attachments[index]);
      } catch (err) {
        if (err instanceof CopyRefused) await this.store.failed(tenant, message.id, [index], err.failure);
        else retry ??= err; // the others are still tried: each outcome is kept on its own
      }
    }
    if (retry) throw retry;
    await this.finish(tenant, job);
  }

  /** Out of attempts: what still waits failed to be fetched. */
  protected async park(tx: EntityManager, tenant: TenantRef, job: ClaimedJob, failure: unknown): Promise<void> {
    this.log.warn(`media of message ${job.refId} not copied after ${job.attempts} attempts: ${(failure as Error).message}`);
    const message = await this.store.message(tenant, job.refId);
    if (message) await this.store.failIn(tx, tenant.tenantId, message.id, InboundMediaStore.pendingIndexes(message.attachments), 'fetch_failed');
  }

  private async copy(
    tenant: TenantRef,
    channel: Parameters<ChannelInboundMedia['fetch']>[1],
    inbound: ChannelInboundMedia | undefined,
    messageId: string,
    externalMessageId: string,
    index: number,
    attachment: Attachment,
  ): Promise<void> {
    const kind = KIND_OF[attachment.type];
    if (!inbound || !kind || !inbound.copyable(attachment)) throw new CopyRefused('unsupported');
    const ceiling = Math.min(this.appConfig.mediaMaxUploadBytes, inbound.limits[kind]);
    const left = await this.uploads.spaceLeft(tenant);
    const maxBytes = Math.min(ceiling, left);
    const tooLarge = () => new CopyRefused(left < ceiling ? 'quota_exceeded' : 'too_large');

    const fetched = await this.fetch(inbound, tenant, channel, attachment, externalMessageId);
    let blob;
    try {
      if (fetched.length !== undefined && fetched.length > maxBytes) throw tooLarge();
      const source = await nonEmpty(fetched.stream);
      if (!source) throw new CopyRefused('fetch_failed');
      blob = await this.media.put(tenant, source, maxBytes);
    } catch (err) {
      if (err instanceof MediaLimitExceeded) throw tooLarge();
      throw err; // a refusal, or the transfer broke off (tried again)
    } finally {
      // Whatever was not read (a refusal, a failed put) is not downloaded on.
      stop(fetched.stream);
    }
    const { mimeType } = sniffContentType(blob.head);
    const fileName = cleanFileName(fetched.fileName ?? attachment.name, mimeType);
    let kept: boolean;
    try {
      kept = await this.store.stored(tenant, messageId, index, attachment, blob, { fileName, mimeType });
    } catch (err) {
      await this.store.release(tenant, blob.blobId).catch(() => undefined);
      throw err;
    }
    if (kept) await inbound.copied?.(tenant, channel, attachment, externalMessageId);
  }

  /** The platform's answer, as a refusal for good or a failure worth another attempt. */
  private async fetch(
    inbound: ChannelInboundMedia,
    tenant: TenantRef,
    channel: Parameters<ChannelInboundMedia['fetch']>[1],
    attachment: Attachment,
    externalMessageId: string,
  ): Promise<FetchedMedia> {
    try {
      return await inbound.fetch(tenant, channel, attachment, externalMessageId);
    } catch (err) {
      if (err instanceof MediaFetchFailure) {
        if (err.reason === 'not_found' || err.reason === 'too_large') throw new CopyRefused(err.reason);
        if (err.reason === 'failed') throw new CopyRefused('fetch_failed');
        throw err;
      }
      if (err instanceof DeliveryFailure) {
        if (err.kind === 'retryable') throw err;
        throw new CopyRefused(goneAtPlatform(err) ? 'not_found' : 'fetch_failed');
      }
      if ((err as { code?: string }).code === 'ATTACHMENT_NOT_FOUND') throw new CopyRefused('not_found');
      throw err;
    }
  }
}

/** Stops reading a response nobody will read to the end. */
function stop(stream: AsyncIterable<Uint8Array>): void {
  (stream as { destroy?: () => void }).destroy?.();
}
