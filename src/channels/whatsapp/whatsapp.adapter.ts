import { Injectable } from '@nestjs/common';
import { DeliveryFailure, TenantRef, rejected } from '../../../libs/domain/src';
import { WHATSAPP_MEDIA_LIMITS, WHATSAPP_SEND_LIMITS, containsCardNumber, whatsappWindow } from '../../../libs/policy/src';
import {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelInboundMedia,
  ChannelKit,
  ChannelMedia,
  ConnectContext,
  ConnectResult,
  MediaChannel,
  MediaContent,
  mediaByRef,
  validateFlat,
} from '../core/channel-adapter';
import { fetchMediaUrl } from '../core/media-fetch';
import { AppConfig } from '../../config/app-config';
import { PHONE_ADDRESS_HINT, phoneAddress } from '../core/addresses';
import { GraphClient } from '../meta/graph-client';
import { MetaAccountControl } from '../meta/meta-account-control';
import type { WhatsAppPayload } from '../meta/meta-payload';
import { META_NUMERIC_ID, META_TOKEN } from '../meta/meta-validation';
import { WhatsAppGateway } from './whatsapp.gateway';
import { mapWhatsAppPayload } from './whatsapp.mapper';

const CAPABILITIES: ChannelCapabilities = {
  attachments: false,
  media: WHATSAPP_MEDIA_LIMITS,
  sendLimits: WHATSAPP_SEND_LIMITS,
  templates: {
    consent: 'whatsapp_opt_in',
    missingConsent: () => rejected('WHATSAPP_OPT_IN_REQUIRED', 'This contact has not opted in to WhatsApp messages from you; record their opt-in first'),
  },
  replyWindow: whatsappWindow,
  // WhatsApp's terms: no full payment card number may leave through it (template parameters included).
  contentRule: (text) =>
    containsCardNumber(text)
      ? rejected('CARD_NUMBER_NOT_ALLOWED', 'WhatsApp messages must not contain a full payment card number; send the last 4 digits only')
      : null,
  maxTextChars: 4096,
  // WhatsApp names people by their number's digits (wa_id).
  newAddresses: { address: (to) => phoneAddress(to)?.slice(1) ?? null, hint: PHONE_ADDRESS_HINT },
  startWithoutTemplate: () => rejected('WHATSAPP_TEMPLATE_REQUIRED', 'A WhatsApp conversation can only be started with an approved template'),
};

/**
 * A WhatsApp Business number (Cloud API). Connecting proves with Graph that the token manages
 * the number in that WABA, then subscribes the app to the WABA's webhooks. Inbound items arrive
 * on Meta's app-wide route (src/channels/meta); media are fetched on demand by id.
 */
@ChannelKit()
@Injectable()
export class WhatsAppAdapter implements ChannelAdapter<WhatsAppPayload> {
  readonly kind = 'whatsapp';
  readonly processors = ['Meta Platforms (WhatsApp Business Cloud API)'];
  readonly dataOrigin = 'whatsapp';
  // The WhatsApp Business terms: a disconnected number's data is kept 90 days.
  readonly purgeDaysAfterDisconnect = 90;
  readonly capabilities = CAPABILITIES;
  readonly gateway: WhatsAppGateway;
  readonly map = mapWhatsAppPayload;
  readonly media: ChannelMedia = {
    open: (_tenant: TenantRef, channel: MediaChannel, attachment: { ref: string; mimeType?: string }) => this.download(channel, attachment),
  };

  /**
   * Media ids live 30 days at Meta (after that GET /{id} answers "does not exist"): copied at once.
   * The id gives a short-lived URL on Meta's media host, fetched with the same token; the URL is
   * Graph's answer, so it is fetched with the public-address checks.
   */
  readonly inboundMedia: ChannelInboundMedia = {
    limits: WHATSAPP_MEDIA_LIMITS,
    copyable: mediaByRef,
    fetch: async (_tenant, channel, attachment) => {
      const token = channel.credentials.accessToken;
      const media = await this.graph.get<{ url?: string }>(`/${encodeURIComponent(attachment.ref!)}`, token);
      if (typeof media.url !== 'string') throw new DeliveryFailure('permanent', 'NO_MEDIA_URL', 'Graph answered no URL for the media id');
      return fetchMediaUrl(media.url, {
        allowLocal: this.config.webhooksAllowLocalTargets,
        headers: { authorization: `Bearer ${token}` },
        what: 'WhatsApp media',
      });
    },
  };

  constructor(
    private readonly graph: GraphClient,
    private readonly control: MetaAccountControl,
    private readonly config: AppConfig,
  ) {
    this.gateway = new WhatsAppGateway(graph);
  }

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>) {
    return validateFlat(
      'whatsapp',
      { config: { phoneNumberId: META_NUMERIC_ID, wabaId: META_NUMERIC_ID }, credentials: { accessToken: META_TOKEN }, routingKey: 'phoneNumberId' },
      config,
      credentials,
    );
  }

  async identify({ config, credentials }: ConnectContext): Promise<string> {
    await this.control.proveWhatsApp(String(config.phoneNumberId), String(config.wabaId), credentials.accessToken);
    return String(config.phoneNumberId);
  }

  /** Restrictions and bans (`account_update`) name the WABA only: they concern every number of it. */
  accountGroup(config: Record<string, unknown>): string {
    return String(config.wabaId);
  }

  async connect({ config, credentials }: ConnectContext): Promise<ConnectResult> {
    await this.control.subscribeWaba(String(config.wabaId), credentials.accessToken);
    return {};
  }

  /** Media ids resolve through the Cloud API while the channel still has its token. */
  private async download(channel: MediaChannel, attachment: { ref: string; mimeType?: string }): Promise<MediaContent> {
    if (channel.status !== 'active') throw rejected('MEDIA_UNAVAILABLE', 'The media can no longer be fetched from the platform');
    const media = await this.gateway.download(attachment.ref, channel.credentials.accessToken);
    return { stream: media.body, mimeType: media.mimeType ?? attachment.mimeType ?? 'application/octet-stream', length: media.length };
  }
}
