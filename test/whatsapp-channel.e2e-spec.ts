import { Client } from 'pg';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, platformId, postMetaWebhook, waId, whatsappMessage, whatsappStatuses, whatsappWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const DAY = 24 * 3600_000;

interface Msg {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string | null;
  attachments: Array<Record<string, unknown>>;
  status: string | null;
  error: { code: string | null; text: string | null } | null;
  externalId: string | null;
  authorId: string | null;
  replyToExternalId: string | null;
}

interface Line {
  phoneNumberId: string;
  wabaId: string;
  channelId: string;
  token: string;
}

/** A Customer connects a WhatsApp Business number (Cloud API) and talks to End Users, end to end. */
describe('WhatsApp channel', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;

  /** Every test connects a phone number of its own, so calls and conversations never mix. */
  async function connect(wabaId = platformId()): Promise<Line> {
    const phoneNumberId = platformId();
    const token = `EAAG-wa-test-token-${phoneNumberId}`;
    graph.whatsapp(phoneNumberId, wabaId, token);
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'whatsapp', name: 'Acme support line', config: { phoneNumberId, wabaId }, credentials: { accessToken: token } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'whatsapp', status: 'active', config: { phoneNumberId, wabaId } });
    expect(JSON.stringify(res.body)).not.toContain(token);
    return { phoneNumberId, wabaId, channelId: res.body.id, token };
  }

  async function deliver(body: unknown): Promise<void> {
    const res = await postMetaWebhook(t, body);
    expect(res.status).toBe(200);
    await t.drainInbound();
  }

  /** An End User writes `text` (at `at`), opening a conversation on the line. */
  async function inbound(line: Line, from: string, text: string, at = Date.now()): Promise<{ id: string; contactId: string }> {
    await deliver(whatsappMessage(line.wabaId, line.phoneNumberId, from, { type: 'text', text: { body: text } }, { at }));
    return conversationOf(line.channelId);
  }

  async function conversationOf(channelId: string): Promise<{ id: string; contactId: string }> {
    const list = await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    return list.body.items[0];
  }

  async function messagesOf(conversationId: string): Promise<Msg[]> {
    const res = await t.request('GET', `/api/conversations/${conversationId}/messages`, { token: owner.token });
    expect(res.status).toBe(200);
    return res.body.items;
  }

  async function message(conversationId: string, id: string): Promise<Msg> {
    const found = (await messagesOf(conversationId)).find((m) => m.id === id);
    expect(found).toBeDefined();
    return found!;
  }

  const send = (conversationId: string, body: unknown) => t.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner.token, body });

  /** Sends `text` and delivers it to the fake Cloud API; returns our id and the wamid. */
  async function sendText(conversationId: string, text: string): Promise<{ id: string; wamid: string }> {
    const res = await send(conversationId, { text });
    expect(res.status).toBe(202);
    await t.drainOutbound();
    const sent = await message(conversationId, res.body.id);
    expect(sent).toMatchObject({ status: 'sent', externalId: expect.stringMatching(/^wamid\.fake/) });
    return { id: res.body.id, wamid: sent.externalId! };
  }

  const outboundJobs = async () =>
    (await db.query(`select count(*)::int as n from queue.jobs where kind = 'outbound' and tenant_id = $1`, [owner.tenantId])).rows[0].n;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN }));
    owner = await t.signup();
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  it('reconnects a number with a new token: the same channel answers 200 (the directory keeps its business account)', async () => {
    const line = await connect();
    const rotated = `EAAG-wa-rotated-${line.phoneNumberId}`;
    graph.whatsapp(line.phoneNumberId, line.wabaId, rotated);
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: {
        kind: 'whatsapp',
        name: 'Acme support line',
        config: { phoneNumberId: line.phoneNumberId, wabaId: line.wabaId },
        credentials: { accessToken: rotated },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: line.channelId, status: 'active' });
  });

  it('routes a text by phone_number_id and names the contact after the WhatsApp profile', async () => {
    const line = await connect();
    const other = await connect();
    const from = waId();
    const res = await postMetaWebhook(
      t,
      whatsappMessage(
        line.wabaId,
        line.phoneNumberId,
        from,
        { id: 'wamid.first-text', type: 'text', text: { body: 'Olá! Is my order on its way?' } },
        { name: 'Maria Souza' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, stored: 1 });
    await t.drainInbound();

    const conversation = await conversationOf(line.channelId);
    expect((await t.request('GET', `/api/conversations?channelId=${other.channelId}`, { token: owner.token })).body.items).toEqual([]);
    expect(await messagesOf(conversation.id)).toMatchObject([
      { direction: 'inbound', text: 'Olá! Is my order on its way?', externalId: 'wamid.first-text', status: null },
    ]);
    const contact = await t.request('GET', `/api/contacts/${conversation.contactId}`, { token: owner.token });
    expect(contact.body).toMatchObject({ displayName: 'Maria Souza', identities: [{ channelId: line.channelId, channelKind: 'whatsapp', externalId: from }] });
  });

  it('stores an image by media id, mime type and hash, with its caption as text', async () => {
    const line = await connect();
    const from = waId();
    await deliver(
      whatsappMessage(line.wabaId, line.phoneNumberId, from, {
        id: 'wamid.image',
        type: 'image',
        image: { id: '1234567890123456', mime_type: 'image/jpeg', sha256: 'Y2FmZWJhYmUgc2hhMjU2IGhhc2g=', caption: 'the parcel arrived like this' },
      }),
    );
    const [stored] = await messagesOf((await conversationOf(line.channelId)).id);
    expect(stored).toMatchObject({ externalId: 'wamid.image', text: 'the parcel arrived like this' });
    expect(stored.attachments).toEqual([
      { type: 'image', ref: '1234567890123456', mimeType: 'image/jpeg', sha256: 'Y2FmZWJhYmUgc2hhMjU2IGhhc2g=', state: 'pending' },
    ]);
    // Nothing is fetched while the event is processed: copying the file is the media job's.
    expect(graph.calls.filter((c) => c.path === '/1234567890123456')).toEqual([]);
  });

  it('stores a location, an interactive button reply and a template quick-reply button', async () => {
    const line = await connect();
    const from = waId();
    const now = Date.now();
    await deliver(
      whatsappMessage(
        line.wabaId,
        line.phoneNumberId,
        from,
        { id: 'wamid.location', type: 'location', location: { latitude: 52.520008, longitude: 13.404954, name: 'Alexanderplatz', address: 'Berlin' } },
        { at: now - 3000 },
      ),
    );
    await deliver(
      whatsappMessage(
        line.wabaId,
        line.phoneNumberId,
        from,
        {
          id: 'wamid.interactive',
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'confirm-yes', title: 'Yes, deliver it' } },
          context: { from: '15550001234', id: 'wamid.our-question' },
        },
        { at: now - 2000 },
      ),
    );
    await deliver(
      whatsappMessage(
        line.wabaId,
        line.phoneNumberId,
        from,
        { id: 'wamid.button', type: 'button', button: { text: 'Stop promotions', payload: 'STOP_PROMO' } },
        { at: now - 1000 },
      ),
    );

    const items = await messagesOf((await conversationOf(line.channelId)).id);
    const byId = (id: string) => items.find((m) => m.externalId === id);
    expect(items).toHaveLength(3);
    expect(byId('wamid.location')).toMatchObject({
      text: null,
      attachments: [{ type: 'location', url: 'geo:52.520008,13.404954', name: 'Alexanderplatz, Berlin' }],
    });
    expect(byId('wamid.interactive')).toMatchObject({ text: 'Yes, deliver it', attachments: [], replyToExternalId: 'wamid.our-question' });
    expect(byId('wamid.button')).toMatchObject({ text: 'Stop promotions', attachments: [] });
  });

  it('replies inside 24 hours with a text message to +wa_id', async () => {
    const line = await connect();
    const from = waId();
    const conversation = await inbound(line, from, 'Can I change my delivery address?');

    const res = await send(conversation.id, { text: 'Sure, send us the new address.' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued' });
    await t.drainOutbound();

    const calls = graph.callsTo(`/${line.phoneNumberId}/messages`);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({
      method: 'POST',
      path: `/${line.phoneNumberId}/messages`,
      authorization: `Bearer ${line.token}`,
      body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: `+${from}`, type: 'text', text: { body: 'Sure, send us the new address.' } },
    });
    expect(await message(conversation.id, res.body.id)).toMatchObject({
      status: 'sent',
      externalId: expect.stringMatching(/^wamid\.fake/),
      authorId: owner.userId,
    });
  });

  it('moves a sent message forward with statuses, and a late "sent" does not move it back', async () => {
    const line = await connect();
    const from = waId();
    const conversation = await inbound(line, from, 'ping');
    const { id, wamid } = await sendText(conversation.id, 'pong');
    const statuses = (...s: string[]) =>
      whatsappStatuses(
        line.wabaId,
        line.phoneNumberId,
        from,
        s.map((status) => ({ id: wamid, status })),
      );

    await deliver(statuses('delivered'));
    expect((await message(conversation.id, id)).status).toBe('delivered');
    await deliver(statuses('read'));
    expect((await message(conversation.id, id)).status).toBe('read');
    await deliver(statuses('sent'));
    expect((await message(conversation.id, id)).status).toBe('read');

    // All three in one batch, in the wrong order: the furthest one wins.
    const second = await sendText(conversation.id, 'pong again');
    await deliver(
      whatsappStatuses(
        line.wabaId,
        line.phoneNumberId,
        from,
        ['read', 'sent', 'delivered'].map((status) => ({ id: second.wamid, status })),
      ),
    );
    expect((await message(conversation.id, second.id)).status).toBe('read');
  });

  it('fails a sent message on a "failed" status with the platform error', async () => {
    const line = await connect();
    const from = waId();
    const conversation = await inbound(line, from, 'hello');
    const { id, wamid } = await sendText(conversation.id, 'We will get back to you.');

    await deliver(
      whatsappStatuses(line.wabaId, line.phoneNumberId, from, [
        {
          id: wamid,
          status: 'failed',
          errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'more than 24 hours' } }],
        },
      ]),
    );

    expect(await message(conversation.id, id)).toMatchObject({ status: 'failed', error: { code: '131047', text: 'Re-engagement message' } });
  });

  it('refuses free-form text outside the 24-hour window', async () => {
    const line = await connect();
    const conversation = await inbound(line, waId(), 'thanks, bye', Date.now() - 2 * DAY);
    const jobsBefore = await outboundJobs();

    const res = await send(conversation.id, { text: 'Anything else?' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ statusCode: 422, code: 'WHATSAPP_WINDOW_CLOSED', message: expect.any(String) });
    expect(await outboundJobs()).toBe(jobsBefore);
    expect((await messagesOf(conversation.id)).map((m) => m.direction)).toEqual(['inbound']);
  });

  it('sends a template only to a contact who opted in', async () => {
    const line = await connect();
    const from = waId();
    const conversation = await inbound(line, from, 'order #1042 please', Date.now() - 3 * DAY);
    const template = { name: 'order_update', language: 'en_US', parameters: ['Maria', '#1042'] };

    const refused = await send(conversation.id, { template });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ statusCode: 422, code: 'WHATSAPP_OPT_IN_REQUIRED', message: expect.any(String) });
    expect((await messagesOf(conversation.id)).map((m) => m.direction)).toEqual(['inbound']);

    const consent = await t.request('PUT', `/api/contacts/${conversation.contactId}/consents`, {
      token: owner.token,
      body: { consents: [{ purpose: 'whatsapp_opt_in', granted: true, source: 'checkout form, order #1042' }] },
    });
    expect(consent.status).toBe(200);
    expect(consent.body.items).toMatchObject([{ purpose: 'whatsapp_opt_in', granted: true, source: 'checkout form, order #1042' }]);

    const accepted = await send(conversation.id, { template });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'queued' });
    await t.drainOutbound();

    const calls = graph.callsTo(`/${line.phoneNumberId}/messages`);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', authorization: `Bearer ${line.token}` });
    expect(calls[0].body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${from}`,
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Maria' },
              { type: 'text', text: '#1042' },
            ],
          },
        ],
      },
    });
    expect(await message(conversation.id, accepted.body.id)).toMatchObject({ status: 'sent', externalId: expect.stringMatching(/^wamid\.fake/) });
  });

  it('refuses a full card number but lets the last four digits through', async () => {
    const line = await connect();
    const conversation = await inbound(line, waId(), 'which card did I use?');
    const jobsBefore = await outboundJobs();

    const refused = await send(conversation.id, { text: 'You paid with 4111 1111 1111 1111.' });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ statusCode: 422, code: 'CARD_NUMBER_NOT_ALLOWED', message: expect.any(String) });
    expect(refused.body.message).not.toContain('4111');
    expect(await outboundJobs()).toBe(jobsBefore);

    const fine = await send(conversation.id, { text: 'You paid with the card ending 1111.' });
    expect(fine.status).toBe(202);
    await t.drainOutbound();
    expect(graph.callsTo(`/${line.phoneNumberId}/messages`).map((c) => c.body.text.body)).toEqual(['You paid with the card ending 1111.']);
    const texts = (await messagesOf(conversation.id)).map((m) => m.text);
    expect(texts).not.toContain('You paid with 4111 1111 1111 1111.');
  });

  it('refuses a full card number in template parameters too', async () => {
    const line = await connect();
    const conversation = await inbound(line, waId(), 'please confirm my payment', Date.now() - 2 * DAY);
    await t.request('PUT', `/api/contacts/${conversation.contactId}/consents`, {
      token: owner.token,
      body: { consents: [{ purpose: 'whatsapp_opt_in', granted: true, source: 'support chat' }] },
    });
    const jobsBefore = await outboundJobs();

    const refused = await send(conversation.id, { template: { name: 'payment_received', language: 'en', parameters: ['Maria', '4111-1111-1111-1111'] } });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ statusCode: 422, code: 'CARD_NUMBER_NOT_ALLOWED', message: expect.any(String) });
    expect(await outboundJobs()).toBe(jobsBefore);

    const fine = await send(conversation.id, { template: { name: 'payment_received', language: 'en', parameters: ['Maria', 'card ending 1111'] } });
    expect(fine.status).toBe(202);
    await t.drainOutbound();
    expect(graph.callsTo(`/${line.phoneNumberId}/messages`).map((c) => c.body.template.components[0].parameters[1].text)).toEqual(['card ending 1111']);
  });

  it('stores a message Meta delivers twice only once', async () => {
    const line = await connect();
    const body = whatsappMessage(line.wabaId, line.phoneNumberId, waId(), { id: 'wamid.twice', type: 'text', text: { body: 'only once' } });
    expect((await postMetaWebhook(t, body)).body).toMatchObject({ stored: 1 });
    expect((await postMetaWebhook(t, body)).body).toMatchObject({ stored: 0 });
    await t.drainInbound();
    expect((await messagesOf((await conversationOf(line.channelId)).id)).map((m) => m.externalId)).toEqual(['wamid.twice']);
  });

  it('fails the message with the platform code on a permanent Graph error', async () => {
    const line = await connect();
    const conversation = await inbound(line, waId(), 'hi');
    graph.failNext(`/${line.phoneNumberId}/messages`, 400, { message: 'undeliverable', type: 'OAuthException', code: 131026, fbtrace_id: 'AbCdEf' });

    const res = await send(conversation.id, { text: 'Hello there' });
    expect(res.status).toBe(202);
    await t.drainOutbound();

    expect(graph.callsTo(`/${line.phoneNumberId}/messages`)).toHaveLength(1);
    expect(await message(conversation.id, res.body.id)).toMatchObject({ status: 'failed', error: { code: '131026', text: 'undeliverable' }, externalId: null });
    const { rows } = await db.query(`select count(*)::int as n from queue.jobs where ref_id = $1`, [res.body.id]);
    expect(rows[0].n).toBe(0);
    // A permanent error is about this message only: the channel stays active.
    expect((await t.request('GET', `/api/channels/${line.channelId}`, { token: owner.token })).body.status).toBe('active');
  });

  it('keeps a rate-limited message queued until retry-after, then sends it', async () => {
    const line = await connect();
    const conversation = await inbound(line, waId(), 'hi');
    graph.failNext(`/${line.phoneNumberId}/messages`, 400, { message: 'Rate limit hit', type: 'OAuthException', code: 130429 }, { 'retry-after': '30' });

    const res = await send(conversation.id, { text: 'Thanks for waiting' });
    expect(res.status).toBe(202);
    await t.drainOutbound();

    expect(graph.callsTo(`/${line.phoneNumberId}/messages`)).toHaveLength(1);
    expect(await message(conversation.id, res.body.id)).toMatchObject({ status: 'queued', externalId: null });
    const job = await db.query(
      `select extract(epoch from (available_at - now()))::float8 as ahead, attempts from queue.jobs where kind = 'outbound' and ref_id = $1`,
      [res.body.id],
    );
    expect(job.rows).toHaveLength(1);
    expect(job.rows[0].ahead).toBeGreaterThanOrEqual(25);
    expect(job.rows[0].attempts).toBe(1);

    // Not due yet: another drain leaves it alone.
    await t.drainOutbound();
    expect(graph.callsTo(`/${line.phoneNumberId}/messages`)).toHaveLength(1);

    // Retry-After over: the job is due and the number's pause (shared by every instance) has ended.
    await db.query(`update queue.jobs set available_at = now() where kind = 'outbound' and ref_id = $1`, [res.body.id]);
    await db.query(`update queue.send_slots set next_at = now() where key like 'whatsapp:%'`);
    await t.drainOutbound();

    const calls = graph.callsTo(`/${line.phoneNumberId}/messages`);
    expect(calls).toHaveLength(2);
    expect(calls[1].body).toEqual(calls[0].body);
    expect(await message(conversation.id, res.body.id)).toMatchObject({ status: 'sent', externalId: expect.stringMatching(/^wamid\.fake/), error: null });
    expect((await db.query(`select count(*)::int as n from queue.jobs where ref_id = $1`, [res.body.id])).rows[0].n).toBe(0);
  });

  it('tells the Customer about a restriction of the business account on each of its numbers, once', async () => {
    const line = await connect();
    const sameWaba = await connect(line.wabaId);
    const otherWaba = await connect();
    const restriction = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: line.wabaId,
          time: 1764500000,
          changes: [
            {
              field: 'account_update',
              value: {
                event: 'ACCOUNT_RESTRICTION',
                restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1764586400 }],
              },
            },
          ],
        },
      ],
    };
    const first = await postMetaWebhook(t, restriction);
    expect(first.body).toMatchObject({ received: true, stored: 2 });
    await t.drainInbound();
    expect((await postMetaWebhook(t, restriction)).body).toMatchObject({ stored: 0 }); // Meta's redelivery
    await t.drainInbound();

    const notices = (await t.request('GET', '/api/notifications?limit=100', { token: owner.token })).body.items.filter(
      (n: { kind: string }) => n.kind === 'channel.restricted',
    );
    expect(notices.map((n: { channelId: string }) => n.channelId).sort()).toEqual([line.channelId, sameWaba.channelId].sort());
    expect(notices[0].message).toBe(
      'Acme support line (whatsapp): WhatsApp restricted the business account: messages the business starts until 2025-12-01 10:53 UTC',
    );
    expect(notices.some((n: { channelId: string }) => n.channelId === otherWaba.channelId)).toBe(false);

    // A WABA nobody connected: acknowledged, nothing stored.
    expect((await postMetaWebhook(t, { ...restriction, entry: [{ ...restriction.entry[0], id: platformId() }] })).body).toMatchObject({ stored: 0 });
  });

  it('drops, with 200, changes for phone numbers nobody connected', async () => {
    const res = await postMetaWebhook(
      t,
      whatsappWebhook(platformId(), platformId(), {
        messages: [{ from: waId(), id: 'wamid.nobody', timestamp: '1764500000', type: 'text', text: { body: 'hello?' } }],
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stored: 0 });
  });
});
