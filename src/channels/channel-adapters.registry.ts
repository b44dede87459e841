import type { AppConfig } from '../config/app-config';
import { ChannelAdapters } from './channel-adapter';
import { emailAdapter } from './email/email.adapter';
import { metaAdapters } from './meta/meta-adapters';
import { twilioSmsAdapter } from './sms/sms.adapter';
import { telegramAdapter } from './telegram/telegram.adapter';
import { webchatAdapter } from './webchat/webchat.adapter';

/** The one list of channel kinds on offer: a new channel adds its adapter here. */
export function buildChannelAdapters(config: AppConfig): ChannelAdapters {
  return new ChannelAdapters([
    ...metaAdapters(config.meta.graphUrl),
    webchatAdapter(),
    twilioSmsAdapter(config),
    telegramAdapter(config),
    emailAdapter(config),
  ]);
}
