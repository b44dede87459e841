import { Body, Controller, Headers, HttpCode, Logger, Param, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { forbidden, invalid, isUuid, notFound } from '../../../libs/domain/src';
import { InboundInbox } from '../../ingest/inbound-inbox.service';
import { parseTelegramUpdate } from './telegram.mapper';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function sameSecret(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string' || !given) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * Telegram posts each update of a bot to that channel's own URL (set with setWebhook on connect),
 * with the channel's random secret in X-Telegram-Bot-Api-Secret-Token. A request without the
 * right secret is refused with 403 and nothing is stored; a genuine one is stored durably,
 * deduplicated on update_id, then answered. Updates from groups, supergroups and channels are
 * not conversations: they are acknowledged, logged and dropped.
 */
@ApiExcludeController()
@Controller('webhooks/telegram')
export class TelegramWebhookController {
  private readonly log = new Logger(TelegramWebhookController.name);

  constructor(private readonly inbox: InboundInbox) {}

  @Post(':channelId')
  @HttpCode(200)
  async receive(
    @Param('channelId') channelId: string,
    @Headers('x-telegram-bot-api-secret-token') secret: string | undefined,
    @Body() body: unknown,
  ): Promise<Record<string, unknown>> {
    if (!isUuid(channelId)) throw notFound('CHANNEL_NOT_FOUND', 'No such channel');
    const parsed = parseTelegramUpdate(body, new Date());
    const items = parsed.ok && !parsed.ignore ? [{ dedupeKey: `update:${parsed.updateId}`, payload: parsed.stored as unknown as Record<string, unknown> }] : [];
    // Authenticated first, whatever the body: a forged request learns nothing but 403.
    await this.inbox.acceptForChannel(
      'telegram',
      channelId,
      (credentials) => {
        if (!sameSecret(credentials.webhookSecret, secret)) throw forbidden('INVALID_SIGNATURE', 'X-Telegram-Bot-Api-Secret-Token does not match this channel');
      },
      items,
    );
    if (!parsed.ok) throw invalid('TELEGRAM_UPDATE_INVALID', 'The body is not a Telegram update (no integer update_id)');
    if (parsed.ignore) this.log.log(`channel ${channelId}: ignored Telegram update ${parsed.updateId}: ${parsed.ignore}`);
    // Answering a button press in the webhook response stops the End User's loading spinner without another API call.
    return parsed.callbackQueryId ? { method: 'answerCallbackQuery', callback_query_id: parsed.callbackQueryId } : {};
  }
}
