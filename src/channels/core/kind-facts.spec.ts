import { purgeAfterDisconnect } from '../../../libs/policy/src';
import { EmailAdapter } from '../email/email.adapter';
import { InstagramAdapter } from '../instagram/instagram.adapter';
import { MessengerAdapter } from '../messenger/messenger.adapter';
import { SmsAdapter } from '../sms/sms.adapter';
import { TelegramAdapter } from '../telegram/telegram.adapter';
import { WebchatAdapter } from '../webchat/webchat.adapter';
import { WhatsAppAdapter } from '../whatsapp/whatsapp.adapter';
import type { ChannelAdapter } from './channel-adapter';

/**
 * What each kind declares for the policies (libs/policy reads these from the adapters, not from
 * tables of kinds): where its data comes from, and how long a disconnected channel's data stays.
 * The one spec of the kit that names kinds: it checks the facts every kind's folder brings.
 */
const config = { publicBaseUrl: 'https://mm.example', telegramApiUrl: 'http://127.0.0.1:1', twilioApiUrl: 'http://127.0.0.1:1', emailDomain: 'mm.example' };
const adapters: ChannelAdapter<unknown>[] = [
  new MessengerAdapter({} as never, {} as never, config as never),
  new InstagramAdapter({} as never, {} as never, config as never),
  new WhatsAppAdapter({} as never, {} as never, config as never),
  new TelegramAdapter(config as never),
  new SmsAdapter(config as never),
  new EmailAdapter(config as never, {} as never),
  new WebchatAdapter(),
];
const byKind = new Map(adapters.map((a) => [a.kind, a]));

describe('channel origins', () => {
  it.each([
    ['messenger', 'meta'],
    ['instagram', 'meta'],
    ['whatsapp', 'whatsapp'],
    ['telegram', 'telegram'],
    ['email', 'email'],
    ['webchat', 'webchat'],
    ['sms', 'sms'],
  ] as const)('%s data comes from %s', (kind, origin) => {
    expect(byKind.get(kind)?.dataOrigin).toBe(origin);
  });
});

describe('purge after disconnect', () => {
  const at = new Date('2026-12-01T00:00:00Z');
  const days = (kind: string) => (purgeAfterDisconnect(at, byKind.get(kind)!.purgeDaysAfterDisconnect).getTime() - at.getTime()) / 86_400_000;

  it('keeps a WhatsApp number 90 days (its terms), Meta accounts 30, the others the default 30', () => {
    expect(Object.fromEntries([...byKind.keys()].map((k) => [k, days(k)]))).toEqual({
      messenger: 30,
      instagram: 30,
      whatsapp: 90,
      telegram: 30,
      email: 30,
      webchat: 30,
      sms: 30,
    });
  });
});
