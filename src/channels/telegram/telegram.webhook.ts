import { forbidden, invalid } from '../../../libs/domain/src';
import { sameSecret } from '../../../libs/crypto/src';
import type { ChannelWebhook, WebhookIntake, WebhookRequest } from '../core/channel-adapter';
import { parseTelegramUpdate } from './telegram-update';

/**
 * Telegram posts each update of a bot to that channel's own URL (set with setWebhook on connect),
 * with the channel's random secret in X-Telegram-Bot-Api-Secret-Token. A request without the
 * right secret is refused with 403 and nothing is stored; a genuine one is stored durably,
 * deduplicated on update_id, then answered. Updates from groups, supergroups and channels are
 * not conversations: they are acknowledged, not stored, and counted per reason (inbound_ignored).
 */
export const telegramWebhook: ChannelWebhook = {
  read(req: WebhookRequest): WebhookIntake {
    const parsed = parseTelegramUpdate(req.body, new Date());
    const secret = req.headers['x-telegram-bot-api-secret-token'];
    return {
      items: parsed.ok && !parsed.ignore ? [{ dedupeKey: `update:${parsed.updateId}`, payload: parsed.stored }] : [],
      ignored: parsed.ok && parsed.ignore ? `Telegram: ${parsed.ignore}` : undefined,
      // Authenticated first, whatever the body: a forged request learns nothing but 403.
      verify(credentials) {
        if (!sameSecret(credentials.webhookSecret, secret)) throw forbidden('INVALID_SIGNATURE', 'X-Telegram-Bot-Api-Secret-Token does not match this channel');
      },
      answer() {
        if (!parsed.ok) throw invalid('TELEGRAM_UPDATE_INVALID', 'The body is not a Telegram update (no integer update_id)');
        // Answering a button press in the webhook response stops the End User's loading spinner without another API call.
        return { status: 200, body: parsed.callbackQueryId ? { method: 'answerCallbackQuery', callback_query_id: parsed.callbackQueryId } : {} };
      },
    };
  },
};
