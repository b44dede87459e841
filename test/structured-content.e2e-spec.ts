import { FakeGraphServer } from './fakes/fake-graph.server';
import { FakeTelegramServer, botToken } from './fakes/fake-telegram.server';
import { connectWhatsApp } from './support/channels';
import { META_APP_SECRET, postMetaWebhook, waId, whatsappMessage, whatsappStatuses } from './support/meta';
import { TestApp, TestTenant } from './support/test-app';
import { postTelegram } from './corpus/corpus-delivery';

/**
 * What a message carries beyond its text reaches the API as the inbox's one model (typed
 * attachments with their detail, the message's context); a WhatsApp number change keeps the
 * contact's conversation; what becomes nothing is counted per channel and reason, for admins.
 */
describe('Structured content and what is ignored', () => {
  let graph: FakeGraphServer;
  let telegram: FakeTelegramServer;
  let t: TestApp;
  let owner: TestTenant;

  beforeAll(async () => {
    graph = await new FakeGraphServer().start();
    telegram = await new FakeTelegramServer().start();
    t = await TestApp.start({
      META_APP_SECRET,
      META_GRAPH_URL: graph.url,
      TELEGRAM_API_URL: telegram.url,
      PUBLIC_BASE_URL: 'https://inbox.monkeymachine.test',
    });
    owner = await t.signup();
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([graph?.stop(), telegram?.stop()]);
  });

  async function deliver(body: unknown): Promise<void> {
    expect((await postMetaWebhook(t, body)).status).toBe(200);
    await t.drainInbound();
  }

  async function conversations(channelId: string): Promise<Array<{ id: string; contactId: string }>> {
    const res = await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token });
    expect(res.status).toBe(200);
    return res.body.items;
  }

  /** Oldest first. */
  async function messages(conversationId: string): Promise<Array<Record<string, any>>> {
    const res = await t.request('GET', `/api/conversations/${conversationId}/messages`, { token: owner.token });
    expect(res.status).toBe(200);
    return [...res.body.items].sort((a, b) => String(a.sentAt).localeCompare(String(b.sentAt)));
  }

  it('answers attachments with their typed detail and the message context', async () => {
    const line = await connectWhatsApp(t, graph, owner);
    const user = waId();
    await deliver(
      whatsappMessage(
        line.wabaId,
        line.phoneNumberId,
        user,
        {
          type: 'order',
          order: { catalog_id: 'C9', text: 'gift wrap', product_items: [{ product_retailer_id: 'MUG', quantity: 2, item_price: 9.5, currency: 'EUR' }] },
        },
        { at: Date.now() - 5000 },
      ),
    );
    await deliver(whatsappMessage(line.wabaId, line.phoneNumberId, user, { type: 'text', text: { body: 'see this' }, context: { forwarded: true } }));
    const [conversation] = await conversations(line.channelId);
    const [order, forwarded] = await messages(conversation.id);
    expect(order).toMatchObject({
      text: 'gift wrap',
      context: null,
      attachments: [{ type: 'order', detail: { catalogId: 'C9', items: [{ productId: 'MUG', quantity: 2, itemPrice: 9.5, currency: 'EUR' }] } }],
    });
    expect(forwarded).toMatchObject({ text: 'see this', context: { forwarded: 'once' } });
  });

  it('moves a contact to their new WhatsApp number: what they write from it continues their conversation', async () => {
    const line = await connectWhatsApp(t, graph, owner);
    const before = waId();
    const after = waId();
    const now = Date.now();
    await deliver(whatsappMessage(line.wabaId, line.phoneNumberId, before, { type: 'text', text: { body: 'hello from my old number' } }, { at: now - 6000 }));
    await deliver(
      whatsappMessage(
        line.wabaId,
        line.phoneNumberId,
        before,
        {
          type: 'system',
          system: { body: `Ana changed from ${before} to ${after}`, wa_id: after, type: 'user_changed_number' },
        },
        { at: now - 3000 },
      ),
    );
    await deliver(whatsappMessage(line.wabaId, line.phoneNumberId, after, { type: 'text', text: { body: 'hello from my new number' } }));

    const list = await conversations(line.channelId);
    expect(list).toHaveLength(1);
    expect((await messages(list[0].id)).map((m) => m.text)).toEqual([
      'hello from my old number',
      `Ana changed from ${before} to ${after}`,
      'hello from my new number',
    ]);
    const contact = await t.request('GET', `/api/contacts/${list[0].contactId}`, { token: owner.token });
    expect(contact.status).toBe(200);
    expect(contact.body.identities.map((i: { externalId: string }) => i.externalId)).toEqual([after]);
  });

  it("counts what became nothing per channel and reason, for the organization's admins only", async () => {
    const line = await connectWhatsApp(t, graph, owner);
    // A status the inbox does not track, twice, and a message with nothing in it.
    await deliver(whatsappStatuses(line.wabaId, line.phoneNumberId, waId(), [{ id: 'wamid.gone-1', status: 'deleted' }]));
    await deliver(whatsappStatuses(line.wabaId, line.phoneNumberId, waId(), [{ id: 'wamid.gone-2', status: 'deleted' }]));
    await deliver(whatsappMessage(line.wabaId, line.phoneNumberId, waId(), { type: 'text', text: { body: '' } }));

    // Telegram: a group chat is acknowledged and not stored, but counted (once authenticated).
    const token = botToken(8_200_000_001);
    telegram.bot(token);
    const bot = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'telegram', name: 'Bot', config: {}, credentials: { botToken: token } },
    });
    expect(bot.status).toBe(201);
    const secret = telegram.webhookOf(token)!.secret;
    const group = { id: -100123, type: 'supergroup', title: 'Fans' };
    const update = (id: number) =>
      JSON.stringify({ update_id: id, message: { message_id: id, from: { id: 7, is_bot: false, first_name: 'A' }, chat: group, date: 1, text: 'hi all' } });
    expect((await postTelegram(t, bot.body.id, secret, update(1))).status).toBe(200);
    expect((await postTelegram(t, bot.body.id, secret, update(2))).status).toBe(200);
    expect((await postTelegram(t, bot.body.id, 'not-the-secret', update(3))).status).toBe(403);

    const res = await t.request('GET', '/api/admin/inbound-events/ignored', { token: owner.token });
    expect(res.status).toBe(200);
    const mine = (channelId: string) =>
      res.body.items
        .filter((i: { channelId: string }) => i.channelId === channelId)
        .map(({ reason, count, channelKind }: Record<string, unknown>) => ({ reason, count, channelKind }));
    expect(mine(line.channelId)).toEqual(
      expect.arrayContaining([
        { reason: 'status deleted', count: 2, channelKind: 'whatsapp' },
        { reason: 'a message with nothing the inbox reads (no text, no attachment)', count: 1, channelKind: 'whatsapp' },
      ]),
    );
    expect(mine(line.channelId)).toHaveLength(2);
    expect(mine(bot.body.id)).toEqual([{ reason: 'Telegram: a supergroup chat (only private chats are conversations)', count: 2, channelKind: 'telegram' }]);

    const agent = await t.addUser(owner, 'agent');
    expect((await t.request('GET', '/api/admin/inbound-events/ignored', { token: agent.token })).status).toBe(403);
    const other = await t.signup();
    const theirs = await t.request('GET', '/api/admin/inbound-events/ignored', { token: other.token });
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
  });
});
