import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DeliveryFailure, DomainError, invalid } from '../../../libs/domain/src';
import { TELEGRAM_DOWNLOAD_LIMITS, TELEGRAM_MEDIA_LIMITS, TELEGRAM_SEND_LIMITS } from '../../../libs/policy/src';
import { AppConfig } from '../../config/app-config';
import {
  ChannelAdapter,
  ChannelInboundMedia,
  ChannelKit,
  ConnectContext,
  ConnectResult,
  ValidatedChannel,
  mediaByRef,
  validateFlat,
} from '../core/channel-adapter';
import { BOT_TOKEN, TelegramClient } from './telegram-api.client';
import { TELEGRAM_TEXT_LIMIT, TelegramGateway } from './telegram.gateway';
import type { TelegramPayload } from './telegram-update';
import { mapTelegramPayload } from './telegram.mapper';
import { telegramWebhook } from './telegram.webhook';

/** The updates the inbox uses; Telegram sends nothing else to the webhook. */
export const TELEGRAM_ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'callback_query',
  'my_chat_member',
  // Sent only when asked for.
  'message_reaction',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
] as const;

/** Config fields we set on connect and show the Customer; accepted back and recomputed. */
const OURS = ['botId', 'botUsername', 'webhookUrl'];

function validate(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
  const given = Object.fromEntries(Object.entries(config).filter(([k]) => !OURS.includes(k)));
  return validateFlat('telegram', { config: {}, credentials: { botToken: BOT_TOKEN } }, given, credentials);
}

/** A webhook secret: 256 random bits in Telegram's allowed alphabet (A-Z a-z 0-9 _ -), 43 characters. */
export const newWebhookSecret = () => randomBytes(32).toString('base64url');

const unavailable = () => new DomainError('unavailable', 'TELEGRAM_UNAVAILABLE', 'Telegram could not be reached to check the bot token; try again shortly');
const tokenInvalid = () =>
  invalid('TELEGRAM_TOKEN_INVALID', 'Telegram does not accept this bot token; copy it again from @BotFather (it looks like 123456789:AA...)');

/**
 * Telegram bots. Connecting checks the token with getMe (the bot id is the routing key, so a bot
 * is connected to one tenant only) and, once the bot is this tenant's, points its webhook at the
 * channel's own URL with a fresh random secret, stored encrypted with the token. A bot has one
 * webhook: so that connecting a bot another tenant holds cannot take it over, the bot is
 * identified first and claimed before setWebhook runs. Disconnecting deletes the webhook.
 */
@ChannelKit()
@Injectable()
export class TelegramAdapter implements ChannelAdapter<TelegramPayload> {
  readonly kind = 'telegram';
  readonly processors = ['Telegram (Telegram Bot API message delivery)'];
  readonly dataOrigin = 'telegram';
  readonly capabilities = { attachments: true, media: TELEGRAM_MEDIA_LIMITS, sendLimits: TELEGRAM_SEND_LIMITS, maxTextChars: TELEGRAM_TEXT_LIMIT };
  readonly map = mapTelegramPayload;
  readonly webhook = telegramWebhook;
  readonly gateway: TelegramGateway;
  /** Files are kept by Telegram under their file_id; a bot fetches them with getFile, up to 20 MB. */
  readonly inboundMedia: ChannelInboundMedia = {
    limits: TELEGRAM_DOWNLOAD_LIMITS,
    copyable: mediaByRef,
    fetch: (_tenant, channel, attachment) => this.client.download(channel.credentials.botToken, attachment.ref!),
  };
  private readonly client: TelegramClient;

  constructor(private readonly config: AppConfig) {
    this.client = new TelegramClient(config.telegramApiUrl, config.platformTimeoutMs);
    this.gateway = new TelegramGateway(this.client);
  }

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
    return validate(config, credentials);
  }

  /** The bot id, by getMe: nothing changes on Telegram until the directory has granted the bot to this tenant. */
  async identify(ctx: ConnectContext): Promise<string> {
    return String((await this.getMe(ctx.credentials.botToken)).id);
  }

  async connect(ctx: ConnectContext): Promise<ConnectResult> {
    const token = ctx.credentials.botToken;
    const me = await this.getMe(token);

    const webhookUrl = `${this.config.publicBaseUrl}/webhooks/telegram/${ctx.channelId}`;
    const webhookSecret = newWebhookSecret();
    try {
      await this.client.call(token, 'setWebhook', { url: webhookUrl, secret_token: webhookSecret, allowed_updates: TELEGRAM_ALLOWED_UPDATES });
    } catch (err) {
      if (!(err instanceof DeliveryFailure) || err.kind === 'retryable') throw unavailable();
      if (err.kind === 'revoked') throw tokenInvalid();
      // e.g. "bad webhook: HTTPS url must be provided for webhook": Telegram's text names no secret.
      throw invalid(
        'TELEGRAM_WEBHOOK_REJECTED',
        `Telegram refused the webhook URL ${webhookUrl} (${err.platformText}); PUBLIC_BASE_URL must be a public https URL on port 443, 80, 88 or 8443`,
      );
    }
    const botId = String(me.id);
    return { routingKey: botId, credentials: { webhookSecret }, config: { botId, botUsername: me.username ?? null, webhookUrl } };
  }

  async disconnect(ctx: ConnectContext): Promise<void> {
    await this.client.call(ctx.credentials.botToken, 'deleteWebhook', { drop_pending_updates: false });
  }

  private async getMe(token: string): Promise<{ id: number; username?: string }> {
    let me: { id?: number; is_bot?: boolean; username?: string };
    try {
      me = await this.client.call(token, 'getMe');
    } catch (err) {
      if (err instanceof DeliveryFailure && err.kind !== 'retryable') throw tokenInvalid();
      throw unavailable();
    }
    if (typeof me?.id !== 'number' || me.is_bot === false) throw tokenInvalid();
    return { id: me.id, username: me.username };
  }
}
