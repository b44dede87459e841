import { Client } from 'pg';
import { FakeTelegramServer } from '../fakes/fake-telegram.server';
import { HttpResult, TestApp, TestTenant, ownerClient } from './test-app';

/** The app with a fake Bot API, an organization and its connected bot: where the Telegram e2e files start. */
export interface TelegramBed {
  telegram: FakeTelegramServer;
  t: TestApp;
  owner: TestTenant;
  /** The region's database as its owner, for what the API does not show. */
  db: Client;
  channelId: string;
  /** An update posted to the bot's webhook with the secret the app registered. */
  post(update: unknown): Promise<HttpResult>;
  close(): Promise<void>;
}

export async function startTelegramBed(token: string, botName: string): Promise<TelegramBed> {
  const telegram = await new FakeTelegramServer().start();
  telegram.bot(token);
  const t = await TestApp.start({ TELEGRAM_API_URL: telegram.url, PUBLIC_BASE_URL: 'https://inbox.monkeymachine.test' });
  const owner = await t.signup();
  const db = await ownerClient('eu');
  const res = await t.request('POST', '/api/channels', {
    token: owner.token,
    body: { kind: 'telegram', name: botName, config: {}, credentials: { botToken: token } },
  });
  if (res.status !== 201) throw new Error(`connecting the bot answered ${res.status}: ${JSON.stringify(res.body)}`);
  const channelId = res.body.id as string;
  return {
    telegram,
    t,
    owner,
    db,
    channelId,
    post: (update) =>
      t.request('POST', `/webhooks/telegram/${channelId}`, {
        body: update,
        headers: { 'x-telegram-bot-api-secret-token': telegram.webhookOf(token)!.secret },
      }),
    close: async () => {
      await db.end();
      await t.close();
      await telegram.stop();
    },
  };
}
