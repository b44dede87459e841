import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ChannelKind, Clock, DeliveryFailure, InboundRecorder, TenantRef } from '../../libs/domain/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { ChannelService } from '../channels/core/channel.service';
import { AfterCommitWork } from '../common/after-commit-work';
import { Semaphore } from '../common/semaphore';
import { RegionDatabases } from '../database/region-databases';

const DAY_MS = 24 * 60 * 60 * 1000;
/** At most this many names are asked for per call: a burst of new End Users waits for their next message. */
const MAX_PER_CALL = 20;
/** Channels asked at once: a burst of new End Users on many Pages must not open a connection per Page. */
const CHANNELS_AT_ONCE = 4;

/**
 * End Users' names from platforms whose webhooks carry none (Messenger, Instagram): asked once per
 * identity after their message is recorded (never on the webhook's ACK path, nor on the
 * processor's: a Graph round trip per new End User would hold up the next batch of messages), then
 * again only after the kind's refresh period. Best effort: a failure leaves the contact as it was, and a
 * transient one is asked again with the End User's next message. Names are personal data: they
 * live only in the contact (erased with it) and are never logged.
 */
@Injectable()
export class ProfileNames implements OnModuleDestroy {
  private readonly log = new Logger(ProfileNames.name);
  private readonly work = new AfterCommitWork(this.log, 'asking profile names');
  private readonly channelsAtOnce = new Semaphore(CHANNELS_AT_ONCE);
  /** `channelId:externalId` being asked now, so two batches with the same new End User ask once. */
  private readonly asking = new Set<string>();

  constructor(
    private readonly recorder: InboundRecorder,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
    private readonly dbs: RegionDatabases,
    private readonly clock: Clock,
  ) {}

  /** Asks in the background for the names of these End Users that are due; returns at once. */
  ask(tenant: TenantRef, channelId: string, kind: ChannelKind, externalContactIds: readonly string[]): void {
    if (!this.adapters.find(kind)?.profiles) return;
    const keys = [...new Set(externalContactIds)].map((id) => ({ id, key: `${channelId}:${id}` })).filter(({ key }) => !this.asking.has(key));
    if (keys.length === 0) return;
    for (const { key } of keys) this.asking.add(key);
    const ref = { tenantId: tenant.tenantId, region: tenant.region };
    this.work.start(ref.tenantId, () =>
      this.channelsAtOnce
        .run(() =>
          this.refresh(
            ref,
            channelId,
            kind,
            keys.map(({ id }) => id),
          ),
        )
        .finally(() => keys.forEach(({ key }) => this.asking.delete(key))),
    );
  }

  /** Resolves once every name asked for so far has been asked (tests, shutdown). */
  settled(): Promise<void> {
    return this.work.settled();
  }

  async onModuleDestroy(): Promise<void> {
    await this.settled();
  }

  async refresh(tenant: TenantRef, channelId: string, kind: ChannelKind, externalContactIds: readonly string[]): Promise<void> {
    const profiles = this.adapters.find(kind)?.profiles;
    if (!profiles || externalContactIds.length === 0) return;
    const now = this.clock.now();
    const due = await this.recorder.identitiesDueForProfile(
      tenant,
      channelId,
      [...new Set(externalContactIds)],
      new Date(now.getTime() - profiles.refreshAfterDays * DAY_MS),
    );
    if (due.length === 0) return;
    const channel = await this.dbs.forTenant(tenant, (tx) => this.channels.withCredentials(tx, tenant, channelId));
    if (channel.status !== 'active') return;
    for (const externalId of due.slice(0, MAX_PER_CALL)) {
      try {
        const name = await profiles.name(channel, externalId);
        await this.recorder.recordProfileName(tenant, channelId, externalId, name?.trim().slice(0, 200) || null, now);
      } catch (err) {
        if (err instanceof DeliveryFailure && err.kind === 'permanent') {
          // The platform will not tell (the End User's privacy settings, say): not asked again until the refresh period passes.
          await this.recorder.recordProfileName(tenant, channelId, externalId, null, now);
        }
        this.log.warn(`channel ${channelId}: no profile name (${err instanceof DeliveryFailure ? `${err.kind} ${err.platformCode}` : (err as Error).message})`);
        if (err instanceof DeliveryFailure && err.kind !== 'permanent') return;
      }
    }
  }
}
