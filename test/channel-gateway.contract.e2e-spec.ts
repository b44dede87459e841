import { ChannelGateway, DeliveryFailure, OutboundDelivery, RecipientBlockedFailure } from '../libs/domain/src';
import { GraphClient } from '../src/channels/meta/graph-client';
import { MessengerGateway } from '../src/channels/messenger/messenger.gateway';
import { WhatsAppGateway } from '../src/channels/whatsapp/whatsapp.gateway';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { WebchatGateway } from '../src/channels/webchat/webchat.gateway';
import { FakeTwilioServer, twilioSid } from './fakes/fake-twilio.server';
import { TwilioClient, TwilioGateway } from '../src/channels/sms/sms.gateway';
import { FakeTelegramServer, botToken } from './fakes/fake-telegram.server';
import { TelegramClient } from '../src/channels/telegram/telegram-api.client';
import { TelegramGateway } from '../src/channels/telegram/telegram.gateway';
import { EmailGateway } from '../src/channels/email/email.gateway';
import { PlatformHttpClient } from '../src/channels/core/platform-http';
import { SmtpSink } from './fakes/smtp-sink';

/**
 * The contract every ChannelGateway keeps, whatever the platform: a receipt with the platform's
 * id on success, and each failure sorted into retryable / permanent / revoked with the platform's
 * own code, never with a credential in the message. A new channel adds a fixture here.
 */
interface GatewayFixture {
  name: string;
  /** A gateway talking to `baseUrl`, and a delivery for the account it serves. */
  make(baseUrl: string): { gateway: ChannelGateway; delivery: OutboundDelivery; token: string; accountId: string };
  /** Platform-specific error bodies for each class. */
  errors: { throttled: Record<string, unknown>; permanent: Record<string, unknown> };
}

const TOKEN = 'contract-secret-token-0001';

const fixtures: GatewayFixture[] = [
  {
    name: 'messenger',
    make: (url) => ({
      gateway: new MessengerGateway(new GraphClient(url, 2000)),
      delivery: {
        channel: { id: 'c1', kind: 'messenger', config: { pageId: '100' }, credentials: { pageAccessToken: TOKEN } },
        recipientId: 'psid-1',
        text: 'hi',
        replyMode: 'response',
      },
      token: TOKEN,
      accountId: '100',
    }),
    errors: {
      throttled: { code: 613, message: 'Calls to this API have exceeded the rate limit.' },
      permanent: { code: 551, message: "This person isn't available right now." },
    },
  },
  {
    name: 'instagram',
    make: (url) => ({
      gateway: new MessengerGateway(new GraphClient(url, 2000)),
      delivery: {
        channel: { id: 'c2', kind: 'instagram', config: { igAccountId: '200' }, credentials: { accessToken: TOKEN } },
        recipientId: 'igsid-1',
        text: 'hi',
        replyMode: 'human_agent',
      },
      token: TOKEN,
      accountId: '200',
    }),
    errors: { throttled: { code: 4, message: 'Application request limit reached' }, permanent: { code: 100, message: 'Invalid parameter' } },
  },
  {
    name: 'whatsapp',
    make: (url) => ({
      gateway: new WhatsAppGateway(new GraphClient(url, 2000)),
      delivery: {
        channel: { id: 'c3', kind: 'whatsapp', config: { phoneNumberId: '300', wabaId: '301' }, credentials: { accessToken: TOKEN } },
        recipientId: '34600111222',
        text: 'hi',
        replyMode: 'standard',
      },
      token: TOKEN,
      accountId: '300',
    }),
    errors: { throttled: { code: 130429, message: 'Rate limit hit' }, permanent: { code: 131026, message: 'Message undeliverable' } },
  },
];

async function failureOf(p: Promise<unknown>): Promise<DeliveryFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DeliveryFailure);
    expect((err as Error).message).not.toContain(TOKEN);
    return err as DeliveryFailure;
  }
  throw new Error('expected a DeliveryFailure');
}

describe.each(fixtures)('ChannelGateway contract: $name', (fixture) => {
  let graph: FakeGraphServer;
  let ctx: ReturnType<GatewayFixture['make']>;
  const path = () => `/${ctx.accountId}/messages`;

  beforeEach(async () => {
    graph = await new FakeGraphServer().start();
    ctx = fixture.make(graph.url);
    graph.account(ctx.accountId, ctx.token);
  });
  afterEach(() => graph.stop());

  it('delivers and returns the platform message id, authenticating in the header only', async () => {
    const receipt = await ctx.gateway.send(ctx.delivery);
    expect(receipt.externalId).toMatch(/^(m_|wamid\.)fake\d+$/);
    expect(graph.calls).toHaveLength(1);
    expect(graph.calls[0]).toMatchObject({ method: 'POST', path: path(), authorization: `Bearer ${ctx.token}` });
    expect(JSON.stringify(graph.calls[0].body)).not.toContain(ctx.token);
  });

  it('reports a rejected token as revoked', async () => {
    graph.account(ctx.accountId, 'the-platform-now-wants-another-token');
    const f = await failureOf(ctx.gateway.send(ctx.delivery));
    expect(f).toMatchObject({ kind: 'revoked', platformCode: expect.stringMatching(/^190/) });
  });

  it('reports throttling as retryable and passes on retry-after', async () => {
    graph.failNext(path(), 429, fixture.errors.throttled, { 'retry-after': '17' });
    const f = await failureOf(ctx.gateway.send(ctx.delivery));
    expect(f).toMatchObject({ kind: 'retryable', platformCode: String(fixture.errors.throttled.code), retryAfterMs: 17_000 });
  });

  it('reports a platform outage as retryable', async () => {
    graph.failNext(path(), 503, { message: 'Service temporarily unavailable' });
    expect((await failureOf(ctx.gateway.send(ctx.delivery))).kind).toBe('retryable');
  });

  it("reports a refusal as permanent, with the platform's code and text", async () => {
    graph.failNext(path(), 400, fixture.errors.permanent);
    const f = await failureOf(ctx.gateway.send(ctx.delivery));
    expect(f).toMatchObject({ kind: 'permanent', platformCode: String(fixture.errors.permanent.code), platformText: fixture.errors.permanent.message });
  });

  it('reports an unreachable platform as retryable', async () => {
    await graph.stop();
    expect((await failureOf(ctx.gateway.send(ctx.delivery))).kind).toBe('retryable');
    graph = await new FakeGraphServer().start(); // for afterEach
  });
});

/** Twilio's REST API is not Graph-shaped (Basic auth, form bodies, its own error codes): the same six cases. */
describe('ChannelGateway contract: sms (Twilio)', () => {
  let twilio: FakeTwilioServer;
  let gateway: TwilioGateway;
  const accountSid = twilioSid('AC');
  const from = '+14155550100';
  const delivery: OutboundDelivery = {
    channel: { id: 'c4', kind: 'sms', config: { provider: 'twilio', phoneNumber: from, accountSid }, credentials: { authToken: TOKEN } },
    recipientId: '+14155550199',
    text: 'hi',
    replyMode: 'standard',
  };
  const path = () => twilio.messagesPath(accountSid);

  beforeEach(async () => {
    twilio = await new FakeTwilioServer().start();
    twilio.account(accountSid, TOKEN, [from]);
    gateway = new TwilioGateway(new TwilioClient(twilio.url, 2000), 'https://mm.example.test');
  });
  afterEach(() => twilio.stop());

  it('delivers and returns the platform message id, authenticating in the header only', async () => {
    const receipt = await gateway.send(delivery);
    expect(receipt.externalId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(twilio.calls).toHaveLength(1);
    expect(twilio.calls[0]).toMatchObject({ method: 'POST', path: path(), authorization: `Basic ${Buffer.from(`${accountSid}:${TOKEN}`).toString('base64')}` });
    expect(twilio.calls[0].form).toEqual({ To: '+14155550199', From: from, Body: 'hi', StatusCallback: 'https://mm.example.test/webhooks/twilio/c4/status' });
    expect(JSON.stringify(twilio.calls[0].pairs)).not.toContain(TOKEN);
  });

  it('reports a rejected token as revoked', async () => {
    twilio.account(accountSid, 'the-platform-now-wants-another-token', [from]);
    expect(await failureOf(gateway.send(delivery))).toMatchObject({ kind: 'revoked', platformCode: '20003' });
  });

  it('reports throttling as retryable and passes on retry-after', async () => {
    twilio.failNext(path(), 429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'retry-after': '17' });
    expect(await failureOf(gateway.send(delivery))).toMatchObject({ kind: 'retryable', platformCode: '20429', retryAfterMs: 17_000 });
  });

  it('reports a platform outage as retryable', async () => {
    twilio.failNext(path(), 503, { code: 20503, message: 'Service Unavailable', status: 503 });
    expect((await failureOf(gateway.send(delivery))).kind).toBe('retryable');
  });

  it("reports a refusal as permanent, with the platform's code and text", async () => {
    const message = "The 'To' number +14155550199 is not a valid phone number.";
    twilio.failNext(path(), 400, { code: 21211, message, more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 });
    expect(await failureOf(gateway.send(delivery))).toMatchObject({ kind: 'permanent', platformCode: '21211', platformText: message });
  });

  it('reports an unreachable platform as retryable', async () => {
    await twilio.stop();
    expect((await failureOf(gateway.send(delivery))).kind).toBe('retryable');
    twilio = await new FakeTwilioServer().start(); // for afterEach
  });
});

/**
 * The Telegram Bot API is not Graph-shaped either (the token is in the path, errors are
 * `{ok:false, error_code, description, parameters.retry_after}`): the same six cases, plus the
 * End User who blocked the bot.
 */
describe('ChannelGateway contract: telegram', () => {
  let telegram: FakeTelegramServer;
  let gateway: TelegramGateway;
  const token = botToken(6_100_000_001);
  const delivery: OutboundDelivery = {
    channel: { id: 'c6', kind: 'telegram', config: { botId: '6100000001' }, credentials: { botToken: token, webhookSecret: TOKEN } },
    recipientId: '5551234567',
    text: 'hi',
    replyMode: 'standard',
  };
  const failureWithoutToken = async (p: Promise<unknown>) => {
    const f = await failureOf(p);
    expect(f.message).not.toContain(token);
    return f;
  };

  beforeEach(async () => {
    telegram = await new FakeTelegramServer().start();
    telegram.bot(token);
    gateway = new TelegramGateway(new TelegramClient(telegram.url, 2000));
  });
  afterEach(() => telegram.stop());

  it('delivers and returns the platform message id (chat id : message id), the token only in the path', async () => {
    const receipt = await gateway.send(delivery);
    expect(receipt.externalId).toMatch(/^5551234567:\d+$/);
    expect(telegram.calls).toHaveLength(1);
    expect(telegram.calls[0]).toMatchObject({ httpMethod: 'POST', path: `/bot${token}/sendMessage`, body: { chat_id: 5551234567, text: 'hi' } });
    expect(JSON.stringify(telegram.calls[0].body)).not.toContain(token);
  });

  it('reports a rejected token as revoked', async () => {
    telegram.revoke(token);
    expect(await failureWithoutToken(gateway.send(delivery))).toMatchObject({ kind: 'revoked', platformCode: '401' });
  });

  it('reports throttling as retryable and passes on retry_after', async () => {
    telegram.failNext('sendMessage', 429, 'Too Many Requests: retry after 17', { retry_after: 17 });
    expect(await failureWithoutToken(gateway.send(delivery))).toMatchObject({ kind: 'retryable', platformCode: '429', retryAfterMs: 17_000 });
  });

  it('reports a platform outage as retryable', async () => {
    telegram.failNext('sendMessage', 502, 'Bad Gateway');
    expect((await failureWithoutToken(gateway.send(delivery))).kind).toBe('retryable');
  });

  it("reports a refusal as permanent, with the platform's code and text; a blocked bot as the recipient's refusal", async () => {
    telegram.failNext('sendMessage', 400, 'Bad Request: chat not found');
    expect(await failureWithoutToken(gateway.send(delivery))).toMatchObject({
      kind: 'permanent',
      platformCode: '400',
      platformText: 'Bad Request: chat not found',
    });
    telegram.block(token, delivery.recipientId);
    const blocked = await failureWithoutToken(gateway.send(delivery));
    expect(blocked).toBeInstanceOf(RecipientBlockedFailure);
    expect(blocked).toMatchObject({ kind: 'permanent', platformCode: '403', platformText: 'Forbidden: bot was blocked by the user' });
  });

  it('reports an unreachable platform as retryable', async () => {
    await telegram.stop();
    expect((await failureWithoutToken(gateway.send(delivery))).kind).toBe('retryable');
    telegram = await new FakeTelegramServer().start(); // for afterEach
  });
});

/**
 * Web chat has no platform: the visitor reads replies from us, so "delivering" is bookkeeping.
 * Of the six cases only success and refusal can happen (no token to revoke, nothing to throttle,
 * nothing to be down or unreachable); the gateway must never invent a retryable failure.
 */
describe('ChannelGateway contract: webchat', () => {
  const gateway = new WebchatGateway();
  const delivery: OutboundDelivery = {
    messageId: '0b7c2a52-6c7e-4a8e-9d36-2f0f8c1d9e01',
    channel: {
      id: 'c5',
      kind: 'webchat',
      config: { allowedOrigins: ['https://shop.example'], channelKey: `wc_${'k'.repeat(32)}` },
      credentials: { identitySecret: TOKEN },
    },
    recipientId: 'anon:6f1d',
    text: 'hi',
    replyMode: 'standard',
  };

  it('delivers by recording: the receipt is our message id, and nothing leaves the process', async () => {
    const realFetch = globalThis.fetch;
    globalThis.fetch = () => Promise.reject(new Error('web chat must not call out'));
    const platformCall = jest.spyOn(PlatformHttpClient.prototype, 'request').mockRejectedValue(new Error('web chat must not call out'));
    try {
      expect(await gateway.send(delivery)).toEqual({ externalId: delivery.messageId });
      expect(platformCall).not.toHaveBeenCalled();
    } finally {
      globalThis.fetch = realFetch;
      platformCall.mockRestore();
    }
  });

  it('refuses what it cannot deliver as permanent, never retryable, and without the secret', async () => {
    for (const bad of [
      { ...delivery, messageId: undefined },
      { ...delivery, template: { name: 'x', language: 'en', parameters: [] } },
      { ...delivery, text: null },
    ]) {
      expect((await failureOf(gateway.send(bad))).kind).toBe('permanent');
    }
  });
});

/**
 * E-mail goes out over SMTP (nodemailer) to the Customer's own server, here a real SMTP server
 * on loopback that requires AUTH. The same six cases in SMTP's terms: the password only in AUTH,
 * 535 -> revoked, 4xx (SMTP has no retry-after) and a server that is down or refuses connections
 * -> retryable, 5xx -> permanent with the server's code and text.
 */
describe('ChannelGateway contract: email (SMTP)', () => {
  let sink: SmtpSink;
  let gateway: EmailGateway;
  let delivery: OutboundDelivery;
  const messageId = '0b7c2a52-6c7e-4a8e-9d36-2f0f8c1d9e02';
  const thread = {
    replyToken: 'a'.repeat(50),
    subject: 'Broken order',
    inReplyTo: '<ann-1@example.test>',
    threadIds: ['<ann-1@example.test>'],
    autoReply: false,
  };

  beforeEach(async () => {
    sink = await new SmtpSink('support@acme.test', TOKEN).start();
    gateway = new EmailGateway({ emailDomain: 'mm.example.test', allowLocalTargets: true, timeoutMs: 2000 }, { forDelivery: async () => thread });
    delivery = {
      messageId,
      channel: {
        id: 'c7',
        kind: 'email',
        config: { address: 'support-acme@mm.example.test', smtp: { host: '127.0.0.1', port: sink.port, user: 'support@acme.test', from: 'support@acme.test' } },
        credentials: { smtpPassword: TOKEN },
      },
      recipientId: 'ann@example.test',
      text: 'hi',
      replyMode: 'standard',
    };
  });
  afterEach(() => sink.stop());

  it('delivers and returns the platform message id, authenticating in the AUTH command only', async () => {
    const receipt = await gateway.send(delivery);
    expect(receipt.externalId).toBe(`<mm.${messageId}@mm.example.test>`);
    expect(sink.mails).toHaveLength(1);
    expect(sink.mails[0]).toMatchObject({ user: 'support@acme.test', mailFrom: 'support@acme.test', rcptTo: ['ann@example.test'] });
    expect(sink.mails[0].parsed).toMatchObject({ messageId: receipt.externalId, inReplyTo: '<ann-1@example.test>', subject: 'Re: Broken order' });
    expect(sink.mails[0].parsed.replyTo?.value[0].address).toBe(`reply+${'a'.repeat(50)}@mm.example.test`);
    expect(sink.mails[0].raw).not.toContain(TOKEN);
  });

  it('reports a rejected password (535) as revoked', async () => {
    sink.credentials('support@acme.test', 'the-platform-now-wants-another-password');
    expect(await failureOf(gateway.send(delivery))).toMatchObject({ kind: 'revoked', platformCode: '535' });
  });

  it('reports throttling (4xx) as retryable', async () => {
    sink.failNext('mail', 451, '4.7.1 Too many messages, slow down');
    expect(await failureOf(gateway.send(delivery))).toMatchObject({
      kind: 'retryable',
      platformCode: '451',
      platformText: expect.stringContaining('slow down'),
    });
  });

  it('reports a platform outage as retryable', async () => {
    sink.failNext('connect', 421, '4.3.2 Service not available, closing channel');
    expect((await failureOf(gateway.send(delivery))).kind).toBe('retryable');
  });

  it("reports a refusal as permanent, with the platform's code and text", async () => {
    sink.failNext('rcpt', 550, '5.1.1 Mailbox unavailable');
    expect(await failureOf(gateway.send(delivery))).toMatchObject({
      kind: 'permanent',
      platformCode: '550',
      platformText: expect.stringContaining('5.1.1 Mailbox unavailable'),
    });
  });

  it('reports an unreachable platform as retryable', async () => {
    await sink.stop();
    expect((await failureOf(gateway.send(delivery))).kind).toBe('retryable');
    sink = await new SmtpSink('support@acme.test', TOKEN).start(); // for afterEach
  });
});
