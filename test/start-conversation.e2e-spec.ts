import type { ChannelKind } from '../libs/domain/src';
import { smsKeyword } from '../src/channels/sms/sms-keywords';
import { TestApp, TestTenant } from './support/test-app';

/**
 * POST /api/conversations: an agent writes first, under each channel's rules, and nothing is
 * stored when a rule refuses. SMS honours STOP/СТОП (and START) recorded from inbound messages.
 */
describe('starting a conversation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const start = (who: TestTenant, body: unknown) => call(who, 'POST', '/api/conversations', body);
  const daysAgo = (n: number) => new Date(Date.now() - n * 86400_000);

  /** A tenant with a contact known from Messenger (who wrote `lastWrote` ago) and channels of other kinds. */
  async function setup(lastWrote = new Date()) {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const channels = {} as Record<ChannelKind, string>;
    for (const kind of ['messenger', 'instagram', 'whatsapp', 'telegram', 'email', 'webchat', 'sms'] as const)
      channels[kind] = await t.createChannel(owner, kind);
    const first = await t.inbound(owner, channels.messenger, { contactName: 'Dana', externalContactId: 'psid-dana', text: 'hi', sentAt: lastWrote });
    return { owner, agent, channels, contactId: first.conversation.contactId, messengerConversation: first.conversation.id };
  }
  const conversationsOf = async (who: TestTenant) =>
    (await call(who, 'GET', '/api/conversations?limit=100')).body.items as Array<{ id: string; channelId: string }>;

  it("SMS and e-mail: to an address given now, which becomes the contact's identity on the channel", async () => {
    const { agent, channels, contactId } = await setup();
    const sms = await start(agent, { contactId, channelId: channels.sms, to: '+1 (415) 555-0101', message: { text: 'Your order shipped' } });
    expect(sms.status).toBe(201);
    expect(sms.body).toMatchObject({
      created: true,
      conversation: {
        channelId: channels.sms,
        contactId,
        status: 'open',
        assigneeId: agent.userId,
        lastMessage: { direction: 'outbound', text: 'Your order shipped' },
      },
      message: { status: 'queued', text: 'Your order shipped', authorId: agent.userId },
    });
    const contact = (await call(agent, 'GET', `/api/contacts/${contactId}`)).body;
    expect(contact.identities.map((i: { channelKind: string; externalId: string }) => [i.channelKind, i.externalId])).toEqual(
      expect.arrayContaining([['sms', '+14155550101']]),
    );
    // Again: the open conversation continues, no second identity.
    const again = await start(agent, { contactId, channelId: channels.sms, message: { text: 'Tracking: 123' } });
    expect(again.body).toMatchObject({ created: false, conversation: { id: sms.body.conversation.id } });

    const email = await start(agent, { contactId, channelId: channels.email, to: ' Dana@Example.TEST ', message: { text: 'Hello {{contact.name}}' } });
    expect(email.status).toBe(201);
    expect(email.body.message.text).toBe('Hello Dana');
    expect(
      (await call(agent, 'GET', `/api/contacts/${contactId}`)).body.identities.some((i: { externalId: string }) => i.externalId === 'dana@example.test'),
    ).toBe(true);
  });

  it('refuses a missing, malformed or taken address with a clear code, storing nothing', async () => {
    const { owner, agent, channels, contactId } = await setup();
    expect((await start(agent, { contactId, channelId: channels.sms, message: { text: 'x' } })).body).toMatchObject({
      statusCode: 400,
      code: 'ADDRESS_REQUIRED',
    });
    for (const to of ['4155550101', '+1 415 555', 'call me', '+999 1234567']) {
      expect((await start(agent, { contactId, channelId: channels.sms, to, message: { text: 'x' } })).body.code).toBe('INVALID_ADDRESS');
    }
    expect((await start(agent, { contactId, channelId: channels.email, to: 'not-an-address', message: { text: 'x' } })).body.code).toBe('INVALID_ADDRESS');
    const other = await t.inbound(owner, channels.sms, { channelKind: 'sms', externalContactId: '+14155550177', text: 'hello' });
    expect(other.conversation.contactId).not.toBe(contactId);
    expect((await start(agent, { contactId, channelId: channels.sms, to: '+14155550177', message: { text: 'x' } })).body).toMatchObject({
      statusCode: 409,
      code: 'ADDRESS_OF_ANOTHER_CONTACT',
    });
    expect((await conversationsOf(owner)).filter((c) => c.channelId === channels.sms)).toHaveLength(1);
  });

  it('WhatsApp: only an approved template, only to a contact with a recorded opt-in', async () => {
    const { owner, agent, channels, contactId } = await setup();
    const template = { name: 'order_update', language: 'en_US', parameters: ['42'] };
    expect((await start(agent, { contactId, channelId: channels.whatsapp, to: '+14155550102', message: { text: 'hi' } })).body).toMatchObject({
      statusCode: 422,
      code: 'WHATSAPP_TEMPLATE_REQUIRED',
    });
    expect((await start(agent, { contactId, channelId: channels.whatsapp, to: '+14155550102', message: { template } })).body).toMatchObject({
      statusCode: 422,
      code: 'WHATSAPP_OPT_IN_REQUIRED',
    });
    // Refused: neither a conversation nor an identity was left behind.
    expect((await conversationsOf(owner)).filter((c) => c.channelId === channels.whatsapp)).toEqual([]);
    expect((await call(agent, 'GET', `/api/contacts/${contactId}`)).body.identities).toHaveLength(1);

    await call(owner, 'PUT', `/api/contacts/${contactId}/consents`, { consents: [{ purpose: 'whatsapp_opt_in', granted: true, source: 'checkout form' }] });
    const ok = await start(agent, { contactId, channelId: channels.whatsapp, to: '+14155550102', message: { template } });
    expect(ok.status).toBe(201);
    expect(ok.body.message).toMatchObject({ status: 'queued', text: null });
    expect((await call(agent, 'GET', `/api/contacts/${contactId}`)).body.identities.some((i: { externalId: string }) => i.externalId === '14155550102')).toBe(
      true,
    );
  });

  it('Messenger, Instagram, Telegram, web chat: only a contact who wrote on that channel, within its window', async () => {
    const { owner, agent, channels, contactId, messengerConversation } = await setup(daysAgo(3));
    for (const kind of ['instagram', 'telegram', 'webchat'] as const) {
      const res = await start(agent, { contactId, channelId: channels[kind], message: { text: 'hi' } });
      expect([kind, res.status, res.body.code]).toEqual([kind, 422, 'CONTACT_NOT_ON_CHANNEL']);
    }
    // Within 7 days on Messenger (human agent tag): a new conversation once the old one is resolved,
    // carrying the contact's last message time so the window is judged the same way on reply.
    await call(owner, 'PATCH', `/api/conversations/${messengerConversation}`, { status: 'resolved' });
    const ok = await start(agent, { contactId, channelId: channels.messenger, message: { text: 'About your question' } });
    expect(ok.status).toBe(201);
    expect(ok.body.created).toBe(true);
    expect(ok.body.conversation.id).not.toBe(messengerConversation);
    expect(ok.body.conversation.lastInboundAt).not.toBeNull();

    const stale = await setup(daysAgo(8));
    expect((await start(stale.agent, { contactId: stale.contactId, channelId: stale.channels.messenger, message: { text: 'hi' } })).body).toMatchObject({
      statusCode: 422,
      code: 'MESSAGING_WINDOW_CLOSED',
    });

    const tg = await t.inbound(owner, channels.telegram, { channelKind: 'telegram', externalContactId: '777001', text: 'hi' });
    await call(owner, 'PATCH', `/api/conversations/${tg.conversation.id}`, { status: 'resolved' });
    await t.conversations.setContactBlocked(owner, channels.telegram, '777001', true, new Date());
    expect((await start(agent, { contactId: tg.conversation.contactId, channelId: channels.telegram, message: { text: 'hi' } })).body).toMatchObject({
      statusCode: 422,
      code: 'CONTACT_BLOCKED',
    });
    const web = await t.inbound(owner, channels.webchat, { channelKind: 'webchat', externalContactId: 'visitor-1', text: 'hi' });
    expect((await start(agent, { contactId: web.conversation.contactId, channelId: channels.webchat, message: { text: 'hello' } })).status).toBe(201);
  });

  it('SMS: an inbound STOP or СТОП stops every message to that number until START', async () => {
    expect(['STOP', 'stop!', ' Stop. ', 'СТОП', 'стоп', 'UNSUBSCRIBE'].map(smsKeyword)).toEqual(Array(6).fill('stop'));
    expect(['START', 'start', 'СТАРТ', 'unstop'].map(smsKeyword)).toEqual(Array(4).fill('start'));
    expect(['please stop', 'STOPPED', '', null].map(smsKeyword)).toEqual([null, null, null, null]);

    const { owner, agent, channels } = await setup();
    const inbound = (text: string) => t.inbound(owner, channels.sms, { channelKind: 'sms', externalContactId: '+14155550199', text });
    const first = await inbound('hello');
    const { contactId } = first.conversation;
    const reply = () => call(agent, 'POST', `/api/conversations/${first.conversation.id}/messages`, { text: 'Hi!' });
    expect((await reply()).status).toBe(202);

    await inbound('СТОП');
    expect((await reply()).body).toMatchObject({ statusCode: 422, code: 'SMS_OPTED_OUT' });
    await call(owner, 'PATCH', `/api/conversations/${first.conversation.id}`, { status: 'resolved' });
    expect((await start(agent, { contactId, channelId: channels.sms, message: { text: 'x' } })).body.code).toBe('SMS_OPTED_OUT');

    const restarted = await inbound('START');
    expect((await call(agent, 'POST', `/api/conversations/${restarted.conversation.id}/messages`, { text: 'Welcome back' })).status).toBe(202);
    await inbound('stop');
    expect((await call(agent, 'POST', `/api/conversations/${restarted.conversation.id}/messages`, { text: 'x' })).body.code).toBe('SMS_OPTED_OUT');
  });

  it("another organization's contact or channel answers 404; bad input 400; operators cannot start one", async () => {
    const a = await setup();
    const b = await setup();
    expect((await start(a.agent, { contactId: b.contactId, channelId: a.channels.sms, to: '+14155550103', message: { text: 'x' } })).body).toMatchObject({
      statusCode: 404,
      code: 'CONTACT_NOT_FOUND',
    });
    expect((await start(a.agent, { contactId: a.contactId, channelId: b.channels.sms, to: '+14155550103', message: { text: 'x' } })).body).toMatchObject({
      statusCode: 404,
      code: 'CHANNEL_NOT_FOUND',
    });
    for (const bad of [
      {},
      { contactId: 'x', channelId: a.channels.sms, message: { text: 'x' } },
      { contactId: a.contactId, channelId: a.channels.sms, message: {} },
      { contactId: a.contactId, channelId: a.channels.sms, message: { text: '  ' } },
      { contactId: a.contactId, channelId: a.channels.sms, to: 12, message: { text: 'x' } },
      { contactId: a.contactId, channelId: a.channels.sms, message: 'hello' },
    ]) {
      const res = await start(a.agent, bad);
      expect([JSON.stringify(bad), res.status, res.body.code]).toEqual([JSON.stringify(bad), 400, 'VALIDATION_FAILED']);
    }
    expect((await conversationsOf(b.owner)).length).toBe(1);
  });
});
