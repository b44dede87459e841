import { Injectable } from '@nestjs/common';
import { INSTAGRAM_MEDIA_LIMITS, INSTAGRAM_SEND_LIMITS, metaMessagingWindow } from '../../../libs/policy/src';
import { ChannelAdapter, ChannelInboundMedia, ChannelKit, ChannelProfiles, ConnectContext, ConnectResult, validateFlat } from '../core/channel-adapter';
import { AppConfig } from '../../config/app-config';
import { GraphClient } from '../meta/graph-client';
import { metaCdnMedia } from '../meta/meta-cdn-media';
import { MetaAccountControl } from '../meta/meta-account-control';
import type { MetaMessagingPayload } from '../meta/meta-payload';
import { META_NUMERIC_ID, META_TOKEN } from '../meta/meta-validation';
import { InstagramGateway } from './instagram.gateway';
import { mapInstagramPayload } from './instagram.mapper';

/**
 * An Instagram professional account. Connecting proves with Graph that the token controls that
 * account, then subscribes the app to the webhooks of the Page it is linked to. Inbound items
 * arrive on Meta's app-wide route (src/channels/meta).
 */
@ChannelKit()
@Injectable()
export class InstagramAdapter implements ChannelAdapter<MetaMessagingPayload> {
  readonly kind = 'instagram';
  readonly processors = ['Meta Platforms (Instagram)'];
  readonly dataOrigin = 'meta';
  // Meta's Platform Terms: a disconnected account's data goes after 30 days.
  readonly purgeDaysAfterDisconnect = 30;
  readonly capabilities = {
    attachments: true,
    media: INSTAGRAM_MEDIA_LIMITS,
    sendLimits: INSTAGRAM_SEND_LIMITS,
    replyWindow: metaMessagingWindow,
    maxTextChars: 999,
  };
  readonly gateway: InstagramGateway;
  readonly map = mapInstagramPayload;
  readonly profiles: ChannelProfiles;
  readonly inboundMedia: ChannelInboundMedia;

  constructor(
    graph: GraphClient,
    private readonly control: MetaAccountControl,
    config: AppConfig,
  ) {
    this.inboundMedia = metaCdnMedia(INSTAGRAM_MEDIA_LIMITS, config.webhooksAllowLocalTargets);
    this.gateway = new InstagramGateway(graph);
    // The webhook names the End User by id only; their name is theirs to change, so it is asked again now and then.
    this.profiles = {
      refreshAfterDays: 30,
      name: async (channel, userId) => {
        const p = await graph.get<Record<string, unknown>>(`/${encodeURIComponent(userId)}?fields=name,username`, channel.credentials.accessToken);
        return (typeof p.name === 'string' && p.name.trim()) || (typeof p.username === 'string' && p.username ? `@${p.username}` : null);
      },
    };
  }

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>) {
    return validateFlat(
      'instagram',
      { config: { igAccountId: META_NUMERIC_ID }, credentials: { accessToken: META_TOKEN }, routingKey: 'igAccountId' },
      config,
      credentials,
    );
  }

  async identify({ config, credentials }: ConnectContext): Promise<string> {
    await this.control.proveInstagram(String(config.igAccountId), credentials.accessToken);
    return String(config.igAccountId);
  }

  async connect({ config, credentials }: ConnectContext): Promise<ConnectResult> {
    // Asked again rather than remembered: the linked Page is the one the token names now.
    const { pageId } = await this.control.proveInstagram(String(config.igAccountId), credentials.accessToken);
    await this.control.subscribePage('instagram', pageId, credentials.accessToken);
    return {};
  }
}
