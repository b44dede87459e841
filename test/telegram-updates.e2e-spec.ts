import { Client } from 'pg';
import { FakeTelegramServer, botToken } from './fakes/fake-telegram.server';
import { TelegramBed, startTelegramBed } from './support/telegram-bed';
import { HttpResult, TestApp, TestTenant } from './support/test-app';

// Updates beyond plain messages, written from the Bot API reference (https://core.telegram.org/bots/api#update):
// edits of messages the bot never saw, message_reaction, and Telegram Business (business_connection,
// business_message, edited_business_message, deleted_business_messages).

let updateSeq = 900_000_000;
let userSeq = 6_000_000_000;
const now = () => Math.floor(Date.now() / 1000);

const newUser = (first = 'Grace') => ({
  id: ++userSeq,
  is_bot: false,
  first_name: first,
  last_name: 'Hopper',
  username: `${first.toLowerCase()}${userSeq}`,
  language_code: 'en',
});
type User = ReturnType<typeof newUser>;
const privateChat = (u: User) => ({ id: u.id, first_name: u.first_name, last_name: u.last_name, username: u.username, type: 'private' });

describe('Telegram: edits never seen, reactions, Telegram Business', () => {
  let telegram: FakeTelegramServer;
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;
  let channelId: string;
  let bed: TelegramBed | undefined;
  const botId = 7_100_000_000 + Math.floor(Math.random() * 1_000_000);
  const token = botToken(botId);

  const post = (update: unknown): Promise<HttpResult> => bed!.post(update);
  const deliver = async (update: unknown) => {
    expect((await post(update)).status).toBe(200);
    await t.drainInbound();
  };
  const messagesOf = async (conversationId: string) =>
    (await t.request('GET', `/api/conversations/${conversationId}/messages?limit=100`, { token: owner.token })).body.items as Array<Record<string, any>>;
  async function conversationOf(externalId: string) {
    const list = await t.request('GET', `/api/conversations?channelId=${channelId}&limit=100`, { token: owner.token });
    for (const c of list.body.items) {
      const contact = await t.request('GET', `/api/contacts/${c.contactId}`, { token: owner.token });
      if (contact.body.identities.some((i: { externalId: string }) => i.externalId === externalId)) return { ...c, contact: contact.body };
    }
    return undefined;
  }
  const unfinished = async () =>
    (await db.query(`select count(*)::int as n from inbound_events where channel_id = $1 and state <> 'done'`, [channelId])).rows[0].n;

  beforeAll(async () => {
    bed = await startTelegramBed(token, 'Bot');
    ({ telegram, t, owner, db, channelId } = bed);
  });
  afterAll(() => bed?.close());

  it('stores an edit of a message the bot never saw as a message of its own, at once (Telegram will not send the original)', async () => {
    const user = newUser();
    const sent = now() - 600;
    await deliver({
      update_id: ++updateSeq,
      edited_message: {
        message_id: 77,
        from: user,
        chat: privateChat(user),
        date: sent,
        edit_date: sent + 30,
        text: 'sent before the bot was connected, then fixed',
      },
    });
    expect(await unfinished()).toBe(0);
    const conversation = (await conversationOf(String(user.id)))!;
    expect(conversation.contact.displayName).toBe('Grace Hopper');
    expect(await messagesOf(conversation.id)).toMatchObject([
      { direction: 'inbound', text: 'sent before the bot was connected, then fixed', externalId: `${user.id}:77`, sentAt: new Date(sent * 1000).toISOString() },
    ]);
    // A later edit of it applies as an edit.
    await deliver({
      update_id: ++updateSeq,
      edited_message: { message_id: 77, from: user, chat: privateChat(user), date: sent, edit_date: sent + 90, text: 'fixed twice' },
    });
    expect(await messagesOf(conversation.id)).toMatchObject([{ text: 'fixed twice', edits: [{ text: 'sent before the bot was connected, then fixed' }] }]);
  });

  it('applies message_reaction to the message reacted to: the emoji just added, and none once all are taken back', async () => {
    const user = newUser('Ada');
    await deliver({ update_id: ++updateSeq, message: { message_id: 5, from: user, chat: privateChat(user), date: now(), text: 'hello' } });
    const conversation = (await conversationOf(String(user.id)))!;
    const reply = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'Hi Ada!' } });
    expect(reply.status).toBe(202);
    await t.drainOutbound();
    const ours = (await messagesOf(conversation.id)).find((m) => m.id === reply.body.id)!;
    const messageId = Number(String(ours.externalId).split(':')[1]);
    const reaction = (oldReaction: unknown[], newReaction: unknown[]) => ({
      update_id: ++updateSeq,
      message_reaction: { chat: privateChat(user), message_id: messageId, user, date: now(), old_reaction: oldReaction, new_reaction: newReaction },
    });
    const heart = { type: 'emoji', emoji: '❤️' };
    const clown = { type: 'emoji', emoji: '🤡' };
    await deliver(reaction([], [heart]));
    expect((await messagesOf(conversation.id)).find((m) => m.id === reply.body.id)!.reactions).toEqual([{ by: 'contact', emoji: '❤️' }]);
    await deliver(reaction([heart], [heart, clown, { type: 'custom_emoji', custom_emoji_id: '5368324170671202286' }]));
    expect((await messagesOf(conversation.id)).find((m) => m.id === reply.body.id)!.reactions).toEqual([{ by: 'contact', emoji: '🤡' }]);
    await deliver(reaction([heart, clown], []));
    expect((await messagesOf(conversation.id)).find((m) => m.id === reply.body.id)!.reactions).toEqual([]);
    expect(await unfinished()).toBe(0);
  });

  describe('Telegram Business', () => {
    const connectionId = 'AQADbusinessConn42';
    const owner_ = { id: 4_242_000_001, is_bot: false, first_name: 'Pizzeria', username: 'pizzeria_owner' };
    const businessChat = (u: User) => ({ ...privateChat(u) });
    const contactId = (u: User) => `business:${connectionId}:${u.id}`;

    it('tells the Customer when a business account connects the bot, and when it disconnects it', async () => {
      const connection = (enabled: boolean) => ({
        update_id: ++updateSeq,
        business_connection: {
          id: connectionId,
          user: owner_,
          user_chat_id: owner_.id,
          date: now(),
          rights: { can_reply: true, can_read_messages: true },
          is_enabled: enabled,
        },
      });
      await deliver(connection(true));
      await deliver(connection(false));
      const list = await t.request('GET', '/api/notifications', { token: owner.token });
      const kinds = (list.body.items as Array<{ kind: string; message: string }>).filter((n) => n.kind.startsWith('channel.business'));
      expect(kinds.map((n) => n.kind).sort()).toEqual(['channel.business_connected', 'channel.business_disconnected']);
      expect(JSON.stringify(kinds)).not.toContain('pizzeria_owner');
    });

    it("stores a customer's message to the business account in its own conversation, the owner's answers from Telegram as outbound, and replies through the connection", async () => {
      telegram.businessConnection(token, connectionId);
      const customer = newUser('Linus');
      const at = now() - 60;
      await deliver({
        update_id: ++updateSeq,
        business_message: {
          business_connection_id: connectionId,
          message_id: 3001,
          from: customer,
          chat: businessChat(customer),
          date: at,
          text: 'Do you deliver?',
        },
      });
      // The owner answers in Telegram itself.
      await deliver({
        update_id: ++updateSeq,
        business_message: {
          business_connection_id: connectionId,
          message_id: 3002,
          from: owner_,
          chat: businessChat(customer),
          date: at + 10,
          text: 'Yes, until 11 pm',
        },
      });
      const conversation = (await conversationOf(contactId(customer)))!;
      expect(conversation.contact.displayName).toBe('Linus Hopper');
      // Not the customer's chat with the bot itself.
      expect(await conversationOf(String(customer.id))).toBeUndefined();
      // Newest first.
      expect(await messagesOf(conversation.id)).toMatchObject([
        { direction: 'outbound', text: 'Yes, until 11 pm', externalId: `${contactId(customer)}:3002` },
        { direction: 'inbound', text: 'Do you deliver?', externalId: `${contactId(customer)}:3001` },
      ]);

      const reply = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { text: 'Order online at pizza.example' },
      });
      expect(reply.status).toBe(202);
      await t.drainOutbound();
      expect(telegram.callsOf('sendMessage').at(-1)!.body).toEqual({
        business_connection_id: connectionId,
        chat_id: customer.id,
        text: 'Order online at pizza.example',
      });
      const sent = (await messagesOf(conversation.id)).find((m) => m.id === reply.body.id)!;
      expect(sent).toMatchObject({ status: 'sent', externalId: expect.stringMatching(new RegExp(`^${contactId(customer)}:\\d+$`)) });
    });

    it("applies the customer's edits and deletions of business messages, stores an edit of one never seen, and lets an unseen deletion go", async () => {
      const customer = newUser('Barbara');
      const at = now() - 120;
      const message = (id: number, text: string, editDate?: number) => ({
        business_connection_id: connectionId,
        message_id: id,
        from: customer,
        chat: businessChat(customer),
        date: at,
        ...(editDate ? { edit_date: editDate } : {}),
        text,
      });
      await deliver({ update_id: ++updateSeq, business_message: message(10, 'two margheritas') });
      await deliver({ update_id: ++updateSeq, edited_business_message: message(10, 'three margheritas', at + 30) });
      await deliver({ update_id: ++updateSeq, edited_business_message: message(11, 'written before the bot was connected', at + 40) });
      await deliver({ update_id: ++updateSeq, business_message: message(12, 'my address is 1 Main St') });
      await deliver({
        update_id: ++updateSeq,
        deleted_business_messages: { business_connection_id: connectionId, chat: businessChat(customer), message_ids: [12, 9999] },
      });
      expect(await unfinished()).toBe(0);
      const conversation = (await conversationOf(contactId(customer)))!;
      const messages = await messagesOf(conversation.id);
      expect(messages.find((m) => m.externalId === `${contactId(customer)}:10`)).toMatchObject({
        text: 'three margheritas',
        edits: [{ text: 'two margheritas' }],
      });
      expect(messages.find((m) => m.externalId === `${contactId(customer)}:11`)).toMatchObject({ text: 'written before the bot was connected' });
      expect(messages.find((m) => m.externalId === `${contactId(customer)}:12`)).toMatchObject({ text: null, deletedAt: expect.any(String) });
    });

    it("erases a business customer's raw updates with their contact", async () => {
      const customer = newUser('Edsger');
      await deliver({
        update_id: ++updateSeq,
        business_message: { business_connection_id: connectionId, message_id: 1, from: customer, chat: businessChat(customer), date: now(), text: 'hi' },
      });
      const conversation = (await conversationOf(contactId(customer)))!;
      const count = async () =>
        (
          await db.query(`select count(*)::int as n from inbound_events where channel_id = $1 and strpos(payload::text, $2) > 0`, [
            channelId,
            String(customer.id),
          ])
        ).rows[0].n;
      expect(await count()).toBe(1);
      expect((await t.request('DELETE', `/api/contacts/${conversation.contactId}`, { token: owner.token })).status).toBeLessThan(300);
      expect(await count()).toBe(0);
    });
  });
});
