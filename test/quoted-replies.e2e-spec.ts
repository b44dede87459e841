import { randomBytes, randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { freePort } from '../src/database/embedded-postgres';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { FakeTelegramServer, botToken } from './fakes/fake-telegram.server';
import { SmtpSink } from './fakes/smtp-sink';
import { connectPage, connectWhatsApp } from './support/channels';
import { META_APP_SECRET, instagramMessage, platformId, postMetaWebhook, waId, whatsappMessage } from './support/meta';
import { TestApp, TestTenant } from './support/test-app';

const EMAIL_DOMAIN = 'mm.example.test';

/** One channel kind as these tests drive it: End User messages in (optionally answering one), and the quote of our last send as the platform saw it. */
interface Driver {
  kind: string;
  connect(owner: TestTenant): Promise<{
    channelId: string;
    /** Delivers an End User's message (answering `replyTo`, a platform id); answers its platform id. */
    inbound(text: string, replyTo?: string): Promise<string>;
    /** What our last send told the platform it quotes (undefined: no quote). */
    sentQuote(): unknown;
    /** The quote the platform must see for the End User's message of this platform id. */
    expectedQuote(externalId: string): unknown;
    /** What a reply quoting nothing tells the platform, after the End User's latest message (e-mail threads under it anyway). */
    unquoted?(latest: string): unknown;
  }>;
}

/**
 * Quoted replies both ways: an agent's reply naming replyToMessageId goes out as the platform's
 * own quote (WhatsApp context.message_id, Messenger/Instagram reply_to.mid, Telegram
 * reply_parameters, e-mail In-Reply-To), and an End User's answer to a message links to it.
 */
describe('quoted replies', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let telegram: FakeTelegramServer;
  let sink: SmtpSink;
  let smtpPort: number;

  beforeAll(async () => {
    [graph, telegram] = await Promise.all([new FakeGraphServer().start(), new FakeTelegramServer().start()]);
    sink = await new SmtpSink('support@acme.test', 'smtp-password-123').start();
    smtpPort = await freePort();
    t = await TestApp.start({
      META_GRAPH_URL: graph.url,
      META_APP_SECRET,
      TELEGRAM_API_URL: telegram.url,
      PUBLIC_BASE_URL: 'https://inbox.example',
      EMAIL_DOMAIN,
      SMTP_PORT: String(smtpPort),
      WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on',
    });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([graph.stop(), telegram.stop(), sink.stop()]);
  });

  const lastBodyTo = (path: string) => graph.callsTo(path).at(-1)?.body;

  const whatsapp: Driver = {
    kind: 'whatsapp',
    async connect(owner) {
      const wa = await connectWhatsApp(t, graph, owner);
      const from = waId();
      return {
        channelId: wa.channelId,
        async inbound(text, replyTo) {
          const id = `wamid.${randomUUID()}`;
          const message = { id, type: 'text', text: { body: text }, ...(replyTo ? { context: { from: '15550001234', id: replyTo } } : {}) };
          expect((await postMetaWebhook(t, whatsappMessage(wa.wabaId, wa.phoneNumberId, from, message))).status).toBe(200);
          return id;
        },
        sentQuote: () => lastBodyTo(`/${wa.phoneNumberId}/messages`)?.context,
        expectedQuote: (id) => ({ message_id: id }),
      };
    },
  };

  const meta = (kind: 'messenger' | 'instagram'): Driver => ({
    kind,
    async connect(owner) {
      let channelId: string;
      let accountId: string;
      if (kind === 'messenger') ({ channelId, accountId } = await connectPage(t, graph, owner));
      else {
        accountId = platformId();
        graph.instagram(accountId, `IGQ-token-${accountId}`);
        const res = await t.request('POST', '/api/channels', {
          token: owner.token,
          body: { kind: 'instagram', name: 'IG', config: { igAccountId: accountId }, credentials: { accessToken: `IGQ-token-${accountId}` } },
        });
        channelId = res.body.id;
      }
      const sender = platformId();
      return {
        channelId,
        async inbound(text, replyTo) {
          const mid = `${kind === 'messenger' ? 'm_' : 'aWdf_'}${randomUUID()}`;
          const message = { mid, text, ...(replyTo ? { reply_to: { mid: replyTo } } : {}) };
          const at = Date.now();
          const body =
            kind === 'messenger'
              ? {
                  object: 'page',
                  entry: [{ id: accountId, time: at, messaging: [{ sender: { id: sender }, recipient: { id: accountId }, timestamp: at, message }] }],
                }
              : instagramMessage(accountId, sender, message);
          expect((await postMetaWebhook(t, body)).status).toBe(200);
          return mid;
        },
        sentQuote: () => lastBodyTo(`/${accountId}/messages`)?.reply_to,
        expectedQuote: (mid) => ({ mid }),
      };
    },
  });

  const telegramDriver: Driver = {
    kind: 'telegram',
    async connect(owner) {
      const token = botToken(7_300_000_000 + Math.floor(Math.random() * 1_000_000));
      telegram.bot(token);
      const res = await t.request('POST', '/api/channels', {
        token: owner.token,
        body: { kind: 'telegram', name: 'Bot', config: {}, credentials: { botToken: token } },
      });
      const chat = 700_000_000 + Math.floor(Math.random() * 1_000_000);
      let n = 40;
      return {
        channelId: res.body.id,
        async inbound(text, replyTo) {
          const messageId = ++n;
          const update = {
            update_id: Math.floor(Math.random() * 1e9),
            message: {
              message_id: messageId,
              from: { id: chat, is_bot: false, first_name: 'Ann' },
              chat: { id: chat, type: 'private' },
              date: Math.floor(Date.now() / 1000),
              text,
              ...(replyTo ? { reply_to_message: { message_id: Number(replyTo.split(':')[1]), chat: { id: chat, type: 'private' }, date: 1 } } : {}),
            },
          };
          const posted = await t.request('POST', `/webhooks/telegram/${res.body.id}`, {
            body: update,
            headers: { 'x-telegram-bot-api-secret-token': telegram.webhookOf(token)!.secret },
          });
          expect(posted.status).toBe(200);
          return `${chat}:${messageId}`;
        },
        sentQuote: () =>
          telegram
            .callsOf('sendMessage')
            .filter((c) => c.token === token)
            .at(-1)?.body.reply_parameters,
        expectedQuote: (id) => ({ message_id: Number(id.split(':')[1]), allow_sending_without_reply: true }),
      };
    },
  };

  const email: Driver = {
    kind: 'email',
    async connect(owner) {
      const address = `help-${randomBytes(4).toString('hex')}@${EMAIL_DOMAIN}`;
      const res = await t.request('POST', '/api/channels', {
        token: owner.token,
        body: {
          kind: 'email',
          name: 'Mail',
          config: { address, smtp: { host: '127.0.0.1', port: sink.port, user: 'support@acme.test', from: 'support@acme.test' } },
          credentials: { smtpPassword: 'smtp-password-123' },
        },
      });
      const endUser = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, name: 'mx.example.test' });
      const from = `ann-${randomBytes(3).toString('hex')}@example.org`;
      return {
        channelId: res.body.id,
        async inbound(text, replyTo) {
          const messageId = `<${randomUUID()}@example.org>`;
          await endUser.sendMail({
            from,
            to: address,
            subject: 'My order',
            text,
            messageId,
            ...(replyTo ? { inReplyTo: replyTo, references: [replyTo] } : {}),
          });
          return messageId;
        },
        sentQuote: () => sink.mails.at(-1)?.parsed.inReplyTo,
        expectedQuote: (id) => id,
        unquoted: (latest) => latest,
      };
    },
  };

  async function messagesOf(owner: TestTenant, channelId: string) {
    const conversation = (await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token })).body.items[0];
    const items = (await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token })).body.items;
    return {
      conversation,
      items: items as Array<{ id: string; externalId: string | null; direction: string; replyTo: unknown; replyToExternalId: string | null }>,
    };
  }

  it.each([whatsapp, meta('messenger'), meta('instagram'), telegramDriver, email].map((d) => [d.kind, d] as const))(
    '%s: an answer links to the message it quotes, and an agent quotes natively',
    async (_kind, driver) => {
      const owner = await t.signup();
      const channel = await driver.connect(owner);
      const question = await channel.inbound('Where is my order?');
      await t.drainInbound();
      const answer = await channel.inbound('I mean order 4411', question);
      await t.drainInbound();

      const { conversation, items } = await messagesOf(owner, channel.channelId);
      const quoted = items.find((m) => m.externalId === question)!;
      const answering = items.find((m) => m.externalId === answer)!;
      expect(answering).toMatchObject({ replyToExternalId: question, replyTo: { id: quoted.id, preview: 'Where is my order?' } });
      expect(quoted).toMatchObject({ replyTo: null, replyToExternalId: null });

      const sent = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { text: 'It ships today.', replyToMessageId: quoted.id },
      });
      expect(sent.status).toBe(202);
      expect(sent.body.replyTo).toEqual({ id: quoted.id, preview: 'Where is my order?' });
      await t.drainOutbound();
      expect(channel.sentQuote()).toEqual(channel.expectedQuote(question));
      const after = await messagesOf(owner, channel.channelId);
      expect(after.items.find((m) => m.id === sent.body.id)).toMatchObject({ status: 'sent', replyTo: { id: quoted.id } });

      // Without a quote, nothing is quoted.
      await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'Anything else?' } });
      await t.drainOutbound();
      expect(channel.sentQuote()).toEqual(channel.unquoted?.(answer));
    },
  );

  it('refuses to quote a message of another conversation, or none, with REPLY_TO_NOT_FOUND', async () => {
    const owner = await t.signup();
    const first = await whatsapp.connect(owner);
    const second = await whatsapp.connect(owner);
    await first.inbound('one');
    await second.inbound('two');
    await t.drainInbound();
    const a = await messagesOf(owner, first.channelId);
    const b = await messagesOf(owner, second.channelId);
    for (const replyToMessageId of [b.items[0].id, randomUUID()]) {
      const res = await t.request('POST', `/api/conversations/${a.conversation.id}/messages`, { token: owner.token, body: { text: 'x', replyToMessageId } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('REPLY_TO_NOT_FOUND');
    }
    const malformed = await t.request('POST', `/api/conversations/${a.conversation.id}/messages`, {
      token: owner.token,
      body: { text: 'x', replyToMessageId: 'not-a-uuid' },
    });
    expect(malformed.body.code).toBe('VALIDATION_FAILED');
  });

  it('quotes our own reply by the platform id it got once sent, even when it was still queued when quoted', async () => {
    const owner = await t.signup();
    const channel = await whatsapp.connect(owner);
    await channel.inbound('hi');
    await t.drainInbound();
    const { conversation } = await messagesOf(owner, channel.channelId);
    const ours = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'Your code is 1234' } });
    const quoting = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
      token: owner.token,
      body: { text: 'That code expires in 5 minutes', replyToMessageId: ours.body.id },
    });
    expect(quoting.body.replyTo).toEqual({ id: ours.body.id, preview: 'Your code is 1234' });
    await t.drainOutbound();
    const { items } = await messagesOf(owner, channel.channelId);
    const sentOurs = items.find((m) => m.id === ours.body.id)!;
    expect(channel.sentQuote()).toEqual({ message_id: sentOurs.externalId });
  });
});
