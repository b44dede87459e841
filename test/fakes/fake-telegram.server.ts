// The sandbox's simulated Bot API is the tests' fake (tests keep Telegram's https-only webhooks: no httpWebhooks option).
export { SimulatedTelegram as FakeTelegramServer, type TelegramCall, botToken } from '../../src/sandbox/platforms/simulated-telegram';
