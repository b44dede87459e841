import { Injectable } from '@nestjs/common';
import { MESSENGER_MEDIA_LIMITS, MESSENGER_SEND_LIMITS, metaMessagingWindow } from '../../../libs/policy/src';
import { ChannelAdapter, ChannelInboundMedia, ChannelKit, ChannelProfiles, ConnectContext, ConnectResult, validateFlat } from '../core/channel-adapter';
import { AppConfig } from '../../config/app-config';
import { GraphClient } from '../meta/graph-client';
import { metaCdnMedia } from '../meta/meta-cdn-media';
import { MetaAccountControl } from '../meta/meta-account-control';
import type { MetaMessagingPayload } from '../meta/meta-payload';
import { META_NUMERIC_ID, META_TOKEN } from '../meta/meta-validation';
import { MessengerGateway } from './messenger.gateway';
import { mapMessengerPayload } from './messenger.mapper';

/**
 * A Facebook Page. Connecting proves with Graph that the token controls exactly that Page
 * (`identify`, before the directory claim: a refused attempt learns nothing about who has the
 * Page), then subscribes the app to the Page's webhooks (`connect`, after the claim). Inbound
 * items arrive on Meta's app-wide route (src/channels/meta).
 */
@ChannelKit()
@Injectable()
export class MessengerAdapter implements ChannelAdapter<MetaMessagingPayload> {
  readonly kind = 'messenger';
  readonly processors = ['Meta Platforms (Facebook Messenger)'];
  readonly dataOrigin = 'meta';
  // Meta's Platform Terms: a disconnected account's data goes after 30 days.
  readonly purgeDaysAfterDisconnect = 30;
  readonly capabilities = {
    attachments: true,
    media: MESSENGER_MEDIA_LIMITS,
    sendLimits: MESSENGER_SEND_LIMITS,
    replyWindow: metaMessagingWindow,
    maxTextChars: 1999,
  };
  readonly gateway: MessengerGateway;
  readonly map = mapMessengerPayload;
  readonly profiles: ChannelProfiles;
  readonly inboundMedia: ChannelInboundMedia;

  constructor(
    graph: GraphClient,
    private readonly control: MetaAccountControl,
    config: AppConfig,
  ) {
    this.inboundMedia = metaCdnMedia(MESSENGER_MEDIA_LIMITS, config.webhooksAllowLocalTargets);
    this.gateway = new MessengerGateway(graph);
    // The webhook names the End User by id only; their name is theirs to change, so it is asked again now and then.
    this.profiles = {
      refreshAfterDays: 30,
      name: async (channel, userId) => {
        const p = await graph.get<Record<string, unknown>>(`/${encodeURIComponent(userId)}?fields=first_name,last_name`, channel.credentials.pageAccessToken);
        return [p.first_name, p.last_name].filter((s) => typeof s === 'string' && s.trim()).join(' ') || null;
      },
    };
  }

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>) {
    return validateFlat(
      'messenger',
      { config: { pageId: META_NUMERIC_ID }, credentials: { pageAccessToken: META_TOKEN }, routingKey: 'pageId' },
      config,
      credentials,
    );
  }

  async identify({ config, credentials }: ConnectContext): Promise<string> {
    await this.control.provePage(String(config.pageId), credentials.pageAccessToken);
    return String(config.pageId);
  }

  async connect({ config, credentials }: ConnectContext): Promise<ConnectResult> {
    await this.control.subscribePage('messenger', String(config.pageId), credentials.pageAccessToken);
    return {};
  }
}
