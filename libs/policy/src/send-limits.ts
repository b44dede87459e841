/**
 * The send throughput each platform documents (checked 2026-12), enforced for every instance of a
 * region together (src/ingest/send-limiter.ts): going over earns rate-limit errors, and on
 * Telegram repeated floods can get a bot banned. `per: 'channel'` counts every send of the
 * channel's account (a number, a Page, a bot, a sender); `per: 'recipient'` each of its chats.
 * `name` is what SEND_LIMITS overrides (an upgraded WhatsApp number, a Twilio short code).
 */
export interface SendLimit {
  readonly name: string;
  readonly perSecond: number;
  readonly per: 'channel' | 'recipient';
}

/**
 * WhatsApp Cloud API, "Throughput" (developers.facebook.com/documentation/business-messaging/whatsapp/throughput):
 * up to 80 messages per second per registered business phone number by default (1,000 after
 * Meta's automatic upgrade: SEND_LIMITS=whatsapp:1000); beyond it the API answers 130429.
 */
export const WHATSAPP_SEND_LIMITS: readonly SendLimit[] = [{ name: 'whatsapp', perSecond: 80, per: 'channel' }];

/**
 * Messenger Platform, "Rate limits" (developers.facebook.com/documentation/business-messaging/messenger-platform/overview/rate-limiting):
 * the Send API takes 300 calls per second per Page for text, links, reactions and stickers
 * (10 per second with audio or video).
 */
export const MESSENGER_SEND_LIMITS: readonly SendLimit[] = [{ name: 'messenger', perSecond: 300, per: 'channel' }];

/** The same page: 300 Send API calls per second per Instagram professional account. */
export const INSTAGRAM_SEND_LIMITS: readonly SendLimit[] = [{ name: 'instagram', perSecond: 300, per: 'channel' }];

/**
 * Telegram Bot API FAQ, "My bot is hitting limits, how do I avoid this?" (core.telegram.org/bots/faq):
 * no more than one message per second in a particular chat (short bursts tolerated, then 429s),
 * and about 30 messages per second across chats for bulk sending.
 */
export const TELEGRAM_SEND_LIMITS: readonly SendLimit[] = [
  { name: 'telegram_chat', perSecond: 1, per: 'recipient' },
  { name: 'telegram', perSecond: 30, per: 'channel' },
];

/**
 * Twilio, errors 30001 / 21611 (twilio.com/docs/api/errors/30001): a US long code sends one
 * message segment per second (a short code 100+, a toll-free number more with verification);
 * Twilio queues the excess and fails what waits over its validity period. A support inbox sends
 * from a long code, hence 1 per second per sender (SEND_LIMITS=sms:100 for a short code).
 */
export const SMS_SEND_LIMITS: readonly SendLimit[] = [{ name: 'sms', perSecond: 1, per: 'channel' }];

/** Every limit name SEND_LIMITS may override. */
export const SEND_LIMIT_NAMES: readonly string[] = [
  ...new Set([...WHATSAPP_SEND_LIMITS, ...MESSENGER_SEND_LIMITS, ...INSTAGRAM_SEND_LIMITS, ...TELEGRAM_SEND_LIMITS, ...SMS_SEND_LIMITS].map((l) => l.name)),
];
