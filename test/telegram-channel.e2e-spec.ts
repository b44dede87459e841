import { Client } from 'pg';
import { FakeTelegramServer, botToken } from './fakes/fake-telegram.server';
import { HttpResult, TestApp, TestTenant, ownerClient } from './support/test-app';
import { TelegramAdapter } from '../src/channels/telegram/telegram.adapter';
import type { AppConfig } from '../src/config/app-config';

const PUBLIC_BASE_URL = 'https://inbox.monkeymachine.test';
const ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'callback_query',
  'my_chat_member',
  'message_reaction',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
];

let updateSeq = 700_000_000;
let messageSeq = 1;
let userSeq = 5_000_000_000;
const now = () => Math.floor(Date.now() / 1000);

interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_premium?: boolean;
}

/** A new End User, with the fields Telegram sends about them (some of which we must not keep). */
const newUser = (first = 'Ada', last = 'Lovelace'): TgUser => ({
  id: ++userSeq,
  is_bot: false,
  first_name: first,
  last_name: last,
  username: `${first.toLowerCase()}${userSeq}`,
  language_code: 'en',
  is_premium: true,
});
const privateChat = (u: TgUser) => ({ id: u.id, first_name: u.first_name, last_name: u.last_name, username: u.username, type: 'private' });
const messageUpdate = (from: TgUser, content: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  update_id: ++updateSeq,
  message: { message_id: ++messageSeq, from, chat: privateChat(from), date: now(), ...content, ...over },
});

/** A Customer connects a Telegram bot and chats with End Users, end to end, against a fake Bot API. */
describe('Telegram channel', () => {
  let telegram: FakeTelegramServer;
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;
  let channelId: string;
  const botId = 7_000_000_000 + Math.floor(Math.random() * 1_000_000);
  const token = botToken(botId);

  const eventsStored = async (channel = channelId) =>
    (await db.query(`select count(*)::int as n from inbound_events where channel_id = $1`, [channel])).rows[0].n;
  const secretOf = (botTokenValue = token) => telegram.webhookOf(botTokenValue)!.secret;

  /** Posts an update as Telegram does: JSON to the channel's URL with the secret header. */
  function postUpdate(update: unknown, opts: { channel?: string; secret?: string | null } = {}): Promise<HttpResult> {
    const secret = opts.secret === undefined ? secretOf() : opts.secret;
    return t.request('POST', `/webhooks/telegram/${opts.channel ?? channelId}`, {
      body: update,
      headers: secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret },
    });
  }

  const connect = (tenant: TestTenant, credentials: Record<string, unknown> = { botToken: token }, config: Record<string, unknown> = {}) =>
    t.request('POST', '/api/channels', { token: tenant.token, body: { kind: 'telegram', name: 'Support bot', config, credentials } });

  async function conversationOf(contactExternalId: string | number, tenant = owner, channel = channelId) {
    const list = await t.request('GET', `/api/conversations?channelId=${channel}&limit=100`, { token: tenant.token });
    for (const c of list.body.items) {
      const contact = await t.request('GET', `/api/contacts/${c.contactId}`, { token: tenant.token });
      if (contact.body.identities.some((i: { externalId: string }) => i.externalId === String(contactExternalId))) return { ...c, contact: contact.body };
    }
    return undefined;
  }
  const messagesOf = async (conversationId: string, tenant = owner) =>
    (await t.request('GET', `/api/conversations/${conversationId}/messages?limit=100`, { token: tenant.token })).body.items as Array<Record<string, any>>;
  const contactOf = async (contactExternalId: number) => (await conversationOf(contactExternalId))!.contact;

  /** An End User who wrote to the bot, with their conversation. */
  async function endUserWithConversation() {
    const user = newUser();
    expect((await postUpdate(messageUpdate(user, { text: 'hello bot' }))).status).toBe(200);
    await t.drainInbound();
    const conversation = (await conversationOf(user.id))!;
    const send = (body: Record<string, unknown>) => t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body });
    const message = async (id: string) => (await messagesOf(conversation.id)).find((m) => m.id === id)!;
    const jobOf = async (id: string) =>
      (await db.query(`select extract(epoch from available_at - now())::int as wait, attempts from queue.jobs where ref_id = $1`, [id])).rows[0];
    return { user, conversation, send, message, jobOf };
  }

  beforeAll(async () => {
    telegram = await new FakeTelegramServer().start();
    telegram.bot(token);
    t = await TestApp.start({ TELEGRAM_API_URL: telegram.url, PUBLIC_BASE_URL });
    owner = await t.signup();
    db = await ownerClient('eu');
    const res = await connect(owner);
    expect(res.status).toBe(201);
    channelId = res.body.id;
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
    await telegram?.stop();
  });

  describe('connecting a bot', () => {
    it('checks the token with getMe, then sets the webhook to the channel URL with a random secret and the updates the inbox uses', async () => {
      const calls = telegram.calls.filter((c) => c.token === token);
      // getMe identifies the bot (claimed before anything changes on Telegram), then the handshake checks it again and sets the webhook.
      expect(calls.map((c) => c.path)).toEqual([`/bot${token}/getMe`, `/bot${token}/getMe`, `/bot${token}/setWebhook`]);
      expect(calls.every((c) => c.httpMethod === 'POST' && c.contentType === 'application/json')).toBe(true);
      expect(calls[2].body).toEqual({
        url: `${PUBLIC_BASE_URL}/webhooks/telegram/${channelId}`,
        secret_token: expect.stringMatching(/^[A-Za-z0-9_-]{32,256}$/),
        allowed_updates: ALLOWED_UPDATES,
      });
      expect(telegram.webhookOf(token)).toMatchObject({ url: `${PUBLIC_BASE_URL}/webhooks/telegram/${channelId}` });

      const channel = await t.request('GET', `/api/channels/${channelId}`, { token: owner.token });
      expect(channel.body).toMatchObject({
        kind: 'telegram',
        status: 'active',
        config: { botId: String(botId), botUsername: 'monkey_support_bot', webhookUrl: `${PUBLIC_BASE_URL}/webhooks/telegram/${channelId}` },
      });
      expect(JSON.stringify(channel.body)).not.toContain(token);
      expect(JSON.stringify(channel.body)).not.toContain(secretOf());
    });

    it('refuses a token Telegram does not accept (400 TELEGRAM_TOKEN_INVALID), and a malformed one without calling Telegram; nothing is stored', async () => {
      const other = await t.signup();
      const unknown = botToken(botId + 1);
      const before = telegram.calls.length;
      const res = await connect(other, { botToken: unknown });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'TELEGRAM_TOKEN_INVALID', message: expect.stringContaining('@BotFather') });
      expect(JSON.stringify(res.body)).not.toContain(unknown);
      expect(telegram.calls.slice(before).map((c) => c.method)).toEqual(['getMe']);

      const malformed = await connect(other, { botToken: '12345:short/../../x' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('credentials.botToken is missing or malformed') });
      expect((await connect(other, { botToken: token }, { pageId: '1' })).body.message).toContain('config.pageId is not a field of telegram');
      expect(telegram.calls.length).toBe(before + 1);
      expect((await t.request('GET', '/api/channels', { token: other.token })).body.items).toHaveLength(0);
    });

    it('says so when Telegram refuses the webhook URL (PUBLIC_BASE_URL must be public https)', async () => {
      const adapter = new TelegramAdapter({ telegramApiUrl: telegram.url, publicBaseUrl: 'http://localhost:3000' } as AppConfig);
      const local = botToken(botId + 2);
      telegram.bot(local);
      await expect(adapter.connect!({ tenantId: 't', channelId: 'c', config: {}, credentials: { botToken: local } })).rejects.toMatchObject({
        kind: 'invalid',
        code: 'TELEGRAM_WEBHOOK_REJECTED',
        message: expect.stringContaining('HTTPS URL must be provided'),
      });
      const down = new TelegramAdapter({ telegramApiUrl: 'http://127.0.0.1:9', publicBaseUrl: PUBLIC_BASE_URL } as AppConfig);
      await expect(down.connect!({ tenantId: 't', channelId: 'c', config: {}, credentials: { botToken: local } })).rejects.toMatchObject({
        kind: 'unavailable',
        code: 'TELEGRAM_UNAVAILABLE',
      });
    });

    it("connects a bot to one tenant only (the bot id is the routing key), leaving the owner's webhook alone", async () => {
      const other = await t.signup();
      const webhook = telegram.webhookOf(token);
      const before = telegram.calls.length;
      const res = await connect(other);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CHANNEL_ALREADY_CONNECTED');
      expect(telegram.calls.slice(before).map((c) => c.method)).toEqual(['getMe']);
      expect(telegram.webhookOf(token)).toEqual(webhook);
    });
  });

  describe('receiving', () => {
    it('turns a private text message into a conversation with a named contact', async () => {
      const user = newUser('Grace', 'Hopper');
      const update = messageUpdate(user, { text: 'Is my order ready? 🍰', entities: [{ offset: 0, length: 2, type: 'bold' }] });
      const res = await postUpdate(update);
      expect(res.status).toBe(200);
      expect(await t.drainInbound()).toBe(1);

      const conversation = (await conversationOf(user.id))!;
      expect(conversation).toMatchObject({ status: 'open', channelId });
      expect(conversation.contact).toMatchObject({
        displayName: 'Grace Hopper',
        identities: [{ channelId, channelKind: 'telegram', externalId: String(user.id), blockedAt: null }],
      });
      expect(await messagesOf(conversation.id)).toMatchObject([
        {
          direction: 'inbound',
          text: 'Is my order ready? 🍰',
          externalId: `${user.id}:${update.message.message_id}`,
          attachments: [],
          editedAt: null,
          edits: [],
          sentAt: new Date(update.message.date * 1000).toISOString(),
        },
      ]);
    });

    it('keeps photos (largest size) and documents by file_id, with captions as text, and stores only what it uses', async () => {
      const user = newUser();
      const photo = messageUpdate(user, {
        caption: 'my receipt',
        photo: [
          { file_id: 'AgAC-small', file_unique_id: 'u1', width: 90, height: 67, file_size: 1200 },
          { file_id: 'AgAC-large', file_unique_id: 'u3', width: 1280, height: 960, file_size: 98000 },
          { file_id: 'AgAC-medium', file_unique_id: 'u2', width: 320, height: 240, file_size: 15000 },
        ],
      });
      const doc = messageUpdate(user, {
        document: {
          file_id: 'BQAC-doc',
          file_unique_id: 'u4',
          file_name: 'invoice.pdf',
          mime_type: 'application/pdf',
          file_size: 4242,
          thumbnail: { file_id: 'thumb' },
        },
      });
      const reply = messageUpdate(user, {
        text: 'see above',
        reply_to_message: { message_id: photo.message.message_id, chat: privateChat(user), date: now(), caption: 'my receipt' },
      });
      for (const u of [photo, doc, reply]) expect((await postUpdate(u)).status).toBe(200);
      await t.drainInbound();

      const conversation = (await conversationOf(user.id))!;
      const byExternal = Object.fromEntries((await messagesOf(conversation.id)).map((m) => [m.externalId, m]));
      expect(byExternal[`${user.id}:${photo.message.message_id}`]).toMatchObject({
        text: 'my receipt',
        attachments: [{ type: 'image', ref: 'AgAC-large', mimeType: 'image/jpeg' }],
      });
      expect(byExternal[`${user.id}:${doc.message.message_id}`]).toMatchObject({
        text: null,
        attachments: [{ type: 'file', ref: 'BQAC-doc', mimeType: 'application/pdf', name: 'invoice.pdf' }],
      });
      expect(byExternal[`${user.id}:${reply.message.message_id}`]).toMatchObject({
        text: 'see above',
        replyToExternalId: `${user.id}:${photo.message.message_id}`,
      });

      const { rows } = await db.query(`select payload from inbound_events where channel_id = $1 and dedupe_key = $2`, [channelId, `update:${photo.update_id}`]);
      const stored = JSON.stringify(rows[0].payload);
      expect(stored).not.toMatch(/language_code|is_premium|AgAC-small|AgAC-medium/);
      // Ids are kept as strings: erasure finds an End User's raw updates by their quoted id.
      expect(rows[0].payload.update.message.from.id).toBe(String(user.id));
    });

    it('stores an update delivered three times, and three times at once, exactly once (dedupe on update_id)', async () => {
      const user = newUser();
      const once = messageUpdate(user, { text: 'only once please' });
      for (let i = 0; i < 3; i++) expect((await postUpdate(once)).status).toBe(200);
      const concurrent = messageUpdate(user, { text: 'concurrent' });
      expect((await Promise.all([1, 2, 3].map(() => postUpdate(concurrent)))).map((r) => r.status)).toEqual([200, 200, 200]);
      await t.drainInbound();
      const conversation = (await conversationOf(user.id))!;
      expect((await messagesOf(conversation.id)).map((m) => m.text).sort()).toEqual(['concurrent', 'only once please']);
      const { rows } = await db.query(`select count(*)::int as n from inbound_events where channel_id = $1 and dedupe_key = any($2)`, [
        channelId,
        [`update:${once.update_id}`, `update:${concurrent.update_id}`],
      ]);
      expect(rows[0].n).toBe(2);
    });

    it("tells two End Users' messages apart although Telegram numbers messages per chat", async () => {
      const [a, b] = [newUser('Ann'), newUser('Bob')];
      await postUpdate(messageUpdate(a, { text: 'from Ann' }, { message_id: 1 }));
      await postUpdate(messageUpdate(b, { text: 'from Bob' }, { message_id: 1 }));
      await t.drainInbound();
      expect((await messagesOf((await conversationOf(a.id))!.id)).map((m) => m.text)).toEqual(['from Ann']);
      expect((await messagesOf((await conversationOf(b.id))!.id)).map((m) => m.text)).toEqual(['from Bob']);
    });

    it.each([
      ['a missing secret header', { secret: null }],
      ['an empty secret header', { secret: '' }],
      ['a wrong secret', { secret: 'x'.repeat(43) }],
      ['the secret with one character changed', { secret: 'CHANGED' }],
    ])('refuses %s with 403 and stores nothing', async (_, opts) => {
      const before = await eventsStored();
      const secret = opts.secret === 'CHANGED' ? `${secretOf().slice(0, -1)}${secretOf().endsWith('A') ? 'B' : 'A'}` : opts.secret;
      const res = await postUpdate(messageUpdate(newUser(), { text: 'forged' }), { secret });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('INVALID_SIGNATURE');
      // Even a body that is not an update learns nothing but 403.
      expect((await postUpdate({ hello: 'world' }, { secret })).status).toBe(403);
      expect(await eventsStored()).toBe(before);
    });

    it('answers 404 for an unknown or malformed channel id, and 400 for a genuine request that is not an update', async () => {
      expect((await postUpdate(messageUpdate(newUser(), { text: 'who?' }), { channel: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
      expect((await postUpdate(messageUpdate(newUser(), { text: 'who?' }), { channel: 'not-a-uuid' })).status).toBe(404);
      const before = await eventsStored();
      const res = await postUpdate({ update_id: 'one' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('TELEGRAM_UPDATE_INVALID');
      expect(await eventsStored()).toBe(before);
    });

    it('applies an edited message to the stored text and keeps the earlier versions, whatever order the edits arrive in', async () => {
      const user = newUser();
      const original = messageUpdate(user, { text: 'meet at 5' });
      await postUpdate(original);
      await t.drainInbound();
      const sent = original.message.date;
      const edit = (text: string, editDate: number) => ({ update_id: ++updateSeq, edited_message: { ...original.message, text, edit_date: editDate } });
      // The second edit overtakes the first.
      await postUpdate(edit('meet at 7', sent + 120));
      await postUpdate(edit('meet at 6', sent + 60));
      await t.drainInbound();
      await postUpdate(edit('meet at 7', sent + 120)); // a redelivery under a new update_id changes nothing

      await t.drainInbound();
      const conversation = (await conversationOf(user.id))!;
      const [message] = await messagesOf(conversation.id);
      expect(message).toMatchObject({
        text: 'meet at 7',
        editedAt: new Date((sent + 120) * 1000).toISOString(),
        edits: [
          { text: 'meet at 5', attachments: [], at: new Date(sent * 1000).toISOString() },
          { text: 'meet at 6', attachments: [], at: new Date((sent + 60) * 1000).toISOString() },
        ],
      });
    });

    it("turns a button press into a message with the button's label, answering the callback query in the webhook response", async () => {
      const { user, conversation } = await endUserWithConversation();
      const question = {
        message_id: ++messageSeq,
        from: { id: botId, is_bot: true, first_name: 'Monkey Support' },
        chat: privateChat(user),
        date: now(),
        text: 'Deliver today?',
        reply_markup: {
          inline_keyboard: [
            [
              { text: 'Yes, today 🚚', callback_data: 'deliver:today' },
              { text: 'Tomorrow', callback_data: 'deliver:tomorrow' },
            ],
          ],
        },
      };
      const press = {
        update_id: ++updateSeq,
        callback_query: { id: '4382bfdwdsb323b2d9', from: user, message: question, chat_instance: '-123', data: 'deliver:today' },
      };
      const res = await postUpdate(press);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ method: 'answerCallbackQuery', callback_query_id: '4382bfdwdsb323b2d9' });
      await t.drainInbound();
      const pressed = (await messagesOf(conversation.id)).find((m) => m.externalId === 'callback:4382bfdwdsb323b2d9');
      expect(pressed).toMatchObject({ direction: 'inbound', text: 'Yes, today 🚚', replyToExternalId: `${user.id}:${question.message_id}` });
    });

    it('marks the contact as having blocked the bot (kicked) and clears it when they unblock (member), latest change winning', async () => {
      const { user } = await endUserWithConversation();
      const member = (status: string, date: number) => ({
        update_id: ++updateSeq,
        my_chat_member: {
          chat: privateChat(user),
          from: user,
          date,
          old_chat_member: { user: { id: botId, is_bot: true }, status: status === 'kicked' ? 'member' : 'kicked' },
          new_chat_member: { user: { id: botId, is_bot: true }, status, until_date: 0 },
        },
      });
      const t0 = now();
      await postUpdate(member('kicked', t0));
      await t.drainInbound();
      expect((await contactOf(user.id)).identities[0]).toMatchObject({ externalId: String(user.id), blockedAt: new Date(t0 * 1000).toISOString() });

      // Unblocked later, but the older "kicked" redelivered under another update_id is processed after it.
      await postUpdate(member('member', t0 + 30));
      await t.drainInbound();
      await postUpdate(member('kicked', t0));
      await t.drainInbound();
      expect((await contactOf(user.id)).identities[0].blockedAt).toBeNull();
    });

    it('ignores group, supergroup and channel updates: acknowledged, nothing stored, no conversation', async () => {
      const user = newUser();
      const before = await eventsStored();
      const group = {
        update_id: ++updateSeq,
        message: {
          message_id: ++messageSeq,
          from: user,
          chat: { id: -1001234567890, title: 'Fans', type: 'supergroup' },
          date: now(),
          text: '@monkey_support_bot hi all',
        },
      };
      const small = {
        update_id: ++updateSeq,
        message: { message_id: ++messageSeq, from: user, chat: { id: -4567, title: 'Team', type: 'group' }, date: now(), text: 'hi' },
      };
      const added = {
        update_id: ++updateSeq,
        my_chat_member: {
          chat: { id: -4567, title: 'Team', type: 'group' },
          from: user,
          date: now(),
          old_chat_member: { status: 'left' },
          new_chat_member: { status: 'member' },
        },
      };
      const post = {
        update_id: ++updateSeq,
        channel_post: { message_id: 1, chat: { id: -100999, title: 'News', type: 'channel' }, date: now(), text: 'news' },
      };
      for (const u of [group, small, added]) {
        const res = await postUpdate(u);
        expect(res.status).toBe(200);
      }
      expect((await postUpdate(post)).status).toBe(200);
      await t.drainInbound();
      expect(await eventsStored()).toBe(before);
      expect(await conversationOf(user.id)).toBeUndefined();
      // A forged group update is still refused.
      expect((await postUpdate(group, { secret: 'wrong' })).status).toBe(403);
    });

    it("erases an End User's raw updates with their contact", async () => {
      const { user, conversation } = await endUserWithConversation();
      const quoted = JSON.stringify(String(user.id));
      const count = async () =>
        (await db.query(`select count(*)::int as n from inbound_events where channel_id = $1 and strpos(payload::text, $2) > 0`, [channelId, quoted])).rows[0]
          .n;
      expect(await count()).toBeGreaterThan(0);
      expect((await t.request('DELETE', `/api/contacts/${conversation.contactId}`, { token: owner.token })).status).toBeLessThan(300);
      expect(await count()).toBe(0);
    });
  });

  describe('replying', () => {
    it('sends a reply with sendMessage {chat_id, text}', async () => {
      const s = await endUserWithConversation();
      const reply = await s.send({ text: 'Ready at 5 pm!' });
      expect(reply.status).toBe(202);
      expect(await t.drainOutbound()).toBe(1);
      const call = telegram.callsOf('sendMessage').at(-1)!;
      expect(call).toMatchObject({
        httpMethod: 'POST',
        path: `/bot${token}/sendMessage`,
        contentType: 'application/json',
        body: { chat_id: s.user.id, text: 'Ready at 5 pm!' },
      });
      expect(Object.keys(call.body).sort()).toEqual(['chat_id', 'text']);
      expect(await s.message(reply.body.id)).toMatchObject({
        status: 'sent',
        externalId: expect.stringMatching(new RegExp(`^${s.user.id}:\\d+$`)),
        error: null,
      });
    });

    it('sends attachments by URL: one image with the text as caption, or each file and then the text', async () => {
      const s = await endUserWithConversation();
      const photo = await s.send({ text: 'your parcel', attachments: [{ type: 'image', url: 'https://cdn.example/parcel.jpg' }] });
      expect(photo.status).toBe(202);
      await t.drainOutbound();
      expect(telegram.callsOf('sendPhoto').at(-1)!.body).toEqual({ chat_id: s.user.id, photo: 'https://cdn.example/parcel.jpg', caption: 'your parcel' });
      expect(await s.message(photo.body.id)).toMatchObject({ status: 'sent' });

      const before = telegram.calls.length;
      const files = await s.send({
        text: 'documents attached',
        attachments: [
          { type: 'file', url: 'https://cdn.example/invoice.pdf' },
          { type: 'image', url: 'https://cdn.example/label.png' },
        ],
      });
      await t.drainOutbound();
      expect(telegram.calls.slice(before).map((c) => [c.method, c.body])).toEqual([
        ['sendDocument', { chat_id: s.user.id, document: 'https://cdn.example/invoice.pdf' }],
        ['sendPhoto', { chat_id: s.user.id, photo: 'https://cdn.example/label.png' }],
        ['sendMessage', { chat_id: s.user.id, text: 'documents attached' }],
      ]);
      expect(await s.message(files.body.id)).toMatchObject({ status: 'sent' });
    });

    it('fails a message to an End User who blocked the bot (403) for good and marks the contact blocked', async () => {
      const s = await endUserWithConversation();
      telegram.block(token, s.user.id);
      const queued = await s.send({ text: 'are you there?' });
      await t.drainOutbound();
      expect(await s.message(queued.body.id)).toMatchObject({ status: 'failed', error: { code: '403', text: 'Forbidden: bot was blocked by the user' } });
      expect(await s.jobOf(queued.body.id)).toBeUndefined();
      expect((await contactOf(s.user.id)).identities[0].blockedAt).toEqual(expect.any(String));
      expect((await t.request('GET', `/api/channels/${channelId}`, { token: owner.token })).body.status).toBe('active');
    });

    it("fails a message Telegram refuses (400) with Telegram's code and text", async () => {
      const s = await endUserWithConversation();
      telegram.failNext('sendMessage', 400, 'Bad Request: chat not found');
      const queued = await s.send({ text: 'hello?' });
      await t.drainOutbound();
      expect(await s.message(queued.body.id)).toMatchObject({ status: 'failed', error: { code: '400', text: 'Bad Request: chat not found' } });
    });

    it('on 429 waits retry_after seconds (the job is scheduled that far ahead, the bot paused as long), then delivers; 5xx backs off too', async () => {
      const s = await endUserWithConversation();
      telegram.failNext('sendMessage', 429, 'Too Many Requests: retry after 120', { retry_after: 120 });
      const queued = await s.send({ text: 'patience' });
      await t.drainOutbound();
      expect(await s.message(queued.body.id)).toMatchObject({ status: 'queued', error: null });
      const job = await s.jobOf(queued.body.id);
      expect(job.wait).toBeGreaterThanOrEqual(115);
      expect(job.wait).toBeLessThanOrEqual(121);
      expect(job.attempts).toBe(1);
      expect(await t.drainOutbound()).toBe(0); // not due yet

      // Due again but the bot is still paused: handed back without calling Telegram, the attempt not counted.
      const calls = telegram.callsOf('sendMessage').length;
      await db.query(`update queue.jobs set available_at = now() where ref_id = $1`, [queued.body.id]);
      await t.drainOutbound();
      expect(telegram.callsOf('sendMessage')).toHaveLength(calls);
      expect((await s.jobOf(queued.body.id)).attempts).toBe(1);

      // The pause is over (as 120 s later).
      await db.query(`delete from queue.send_slots`);
      telegram.failNext('sendMessage', 502, 'Bad Gateway');
      await db.query(`update queue.jobs set available_at = now() where ref_id = $1`, [queued.body.id]);
      await t.drainOutbound();
      expect(await s.message(queued.body.id)).toMatchObject({ status: 'queued' });
      expect((await s.jobOf(queued.body.id)).attempts).toBe(2);

      await db.query(`update queue.jobs set available_at = now() where ref_id = $1`, [queued.body.id]);
      await t.drainOutbound();
      expect(await s.message(queued.body.id)).toMatchObject({ status: 'sent' });
      expect(telegram.callsOf('sendMessage').filter((c) => c.body.text === 'patience')).toHaveLength(3);
    });
  });

  describe('a second bot through its whole life', () => {
    it('on 401 revokes the channel and tells the Customer; reconnecting with the new token rotates the webhook secret; disconnecting deletes the webhook', async () => {
      const tenant = await t.signup();
      const id = botId + 10;
      const first = botToken(id);
      telegram.bot(first, 'second_bot');
      const created = await connect(tenant, { botToken: first });
      expect(created.status).toBe(201);
      const channel = created.body.id as string;
      const user = newUser();
      expect((await postUpdate(messageUpdate(user, { text: 'hi second bot' }), { channel, secret: secretOf(first) })).status).toBe(200);
      await t.drainInbound();
      const conversation = (await conversationOf(user.id, tenant, channel))!;

      // The Customer revokes the token in @BotFather: Telegram answers 401 from now on.
      const oldSecret = secretOf(first);
      telegram.revoke(first);
      const lost = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: tenant.token, body: { text: 'anyone?' } });
      await t.drainOutbound();
      expect((await messagesOf(conversation.id, tenant)).find((m) => m.id === lost.body.id)).toMatchObject({
        status: 'failed',
        error: { code: '401', text: 'Unauthorized' },
      });
      expect((await t.request('GET', `/api/channels/${channel}`, { token: tenant.token })).body).toMatchObject({
        status: 'revoked',
        revokedReason: expect.stringContaining('401'),
      });
      const notes = await t.request('GET', '/api/notifications', { token: tenant.token });
      expect(notes.body.items).toEqual([
        expect.objectContaining({ kind: 'channel.revoked', channelId: channel, message: expect.stringContaining('Reconnect') }),
      ]);
      expect(JSON.stringify(notes.body)).not.toContain(first);

      // Reconnecting with the new token of the same bot restores the same channel with a new secret.
      const second = botToken(id);
      telegram.bot(second, 'second_bot');
      const again = await connect(tenant, { botToken: second });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: channel, status: 'active' });
      expect(telegram.webhookOf(second)).toMatchObject({ url: `${PUBLIC_BASE_URL}/webhooks/telegram/${channel}` });
      expect(secretOf(second)).not.toBe(oldSecret);
      expect((await postUpdate(messageUpdate(user, { text: 'old secret' }), { channel, secret: oldSecret })).status).toBe(403);
      expect((await postUpdate(messageUpdate(user, { text: 'new secret' }), { channel, secret: secretOf(second) })).status).toBe(200);
      const back = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: tenant.token, body: { text: 'back online' } });
      await t.drainOutbound();
      expect((await messagesOf(conversation.id, tenant)).find((m) => m.id === back.body.id)).toMatchObject({ status: 'sent' });
      expect(telegram.callsOf('sendMessage').at(-1)!.token).toBe(second);

      const secretNow = secretOf(second);
      const res = await t.request('DELETE', `/api/channels/${channel}`, { token: tenant.token });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('disconnected');
      expect(telegram.callsOf('deleteWebhook').at(-1)).toMatchObject({ path: `/bot${second}/deleteWebhook`, body: { drop_pending_updates: false } });
      expect(telegram.webhookOf(second)).toBeNull();
      expect((await postUpdate(messageUpdate(user, { text: 'after disconnect' }), { channel, secret: secretNow })).status).toBe(404);
      // The bot is free again: another tenant may connect it.
      expect((await connect(await t.signup(), { botToken: second })).status).toBe(201);
    });
  });

  it('stores the bot token and the webhook secret encrypted only', async () => {
    const tables = (
      await db.query(
        `select format('%I.%I', table_schema, table_name) as t from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
      )
    ).rows;
    for (const { t: table } of tables) {
      for (const secret of [token, secretOf()]) {
        const { rows } = await db.query(`select count(*)::int as n from ${table} x where strpos(x::text, $1) > 0`, [secret]);
        expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
      }
    }
  });
});
