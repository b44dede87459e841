import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { FakeTwilioServer, formBody, signLikeTwilio, twilioSid } from './fakes/fake-twilio.server';
import { HttpResult, TestApp, TestTenant, ownerClient } from './support/test-app';

const PUBLIC_BASE_URL = 'https://inbox.monkeymachine.test';
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** A Customer connects a Twilio number and texts with End Users, end to end. */
describe('SMS channel (Twilio)', () => {
  let twilio: FakeTwilioServer;
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;
  let channelId: string;
  const accountSid = twilioSid('AC');
  const authToken = randomBytes(16).toString('hex');
  const number = '+14155550100';
  const endUser = '+14155550199';

  const eventsStored = async (channel = channelId) =>
    (await db.query(`select count(*)::int as n from inbound_events where channel_id = $1`, [channel])).rows[0].n;
  const webhookUrl = (channel: string, status = false) => `${PUBLIC_BASE_URL}/webhooks/twilio/${channel}${status ? '/status' : ''}`;

  /** Posts a webhook as Twilio would: form-encoded, signed over PUBLIC_BASE_URL + path with the Auth Token. */
  function postTwilio(
    channel: string,
    params: Record<string, string>,
    opts: { status?: boolean; token?: string; signedUrl?: string; signature?: string | null; headers?: Record<string, string> } = {},
  ): Promise<HttpResult> {
    const signature =
      opts.signature === undefined ? signLikeTwilio(opts.token ?? authToken, opts.signedUrl ?? webhookUrl(channel, opts.status), params) : opts.signature;
    return t.request('POST', `/webhooks/twilio/${channel}${opts.status ? '/status' : ''}`, {
      body: formBody(params),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === null ? {} : { 'x-twilio-signature': signature }),
        ...(opts.headers ?? {}),
      },
    });
  }

  /** An inbound SMS with every field Twilio sends today (and one it may add tomorrow). */
  const inboundSms = (body: string, over: Record<string, string> = {}) => {
    const sid = twilioSid('SM');
    return {
      ToCountry: 'US',
      ToState: 'CA',
      SmsMessageSid: sid,
      NumMedia: '0',
      ToCity: 'SAN FRANCISCO',
      FromZip: '94105',
      SmsSid: sid,
      FromState: 'CA',
      SmsStatus: 'received',
      FromCity: 'SAN FRANCISCO',
      Body: body,
      FromCountry: 'US',
      To: number,
      ToZip: '94105',
      NumSegments: '1',
      MessageSid: sid,
      AccountSid: accountSid,
      From: endUser,
      ApiVersion: '2010-04-01',
      SomeFieldAddedWithoutNotice: 'x',
      ...over,
    };
  };

  const statusCallback = (messageSid: string, status: string, over: Record<string, string> = {}) => ({
    SmsSid: messageSid,
    SmsStatus: status,
    MessageStatus: status,
    To: endUser,
    MessageSid: messageSid,
    AccountSid: accountSid,
    From: number,
    ApiVersion: '2010-04-01',
    ...over,
  });

  const connect = (tenant: TestTenant, config: Record<string, unknown>, credentials: Record<string, unknown> = { authToken }) =>
    t.request('POST', '/api/channels', { token: tenant.token, body: { kind: 'sms', name: 'Support line', config, credentials } });

  async function conversationOf(channel: string, tenant = owner) {
    const list = await t.request('GET', `/api/conversations?channelId=${channel}`, { token: tenant.token });
    return list.body.items[0];
  }
  const messagesOf = async (conversationId: string, tenant = owner) =>
    (await t.request('GET', `/api/conversations/${conversationId}/messages?limit=100`, { token: tenant.token })).body.items as Array<Record<string, any>>;

  beforeAll(async () => {
    twilio = await new FakeTwilioServer().start();
    twilio.account(accountSid, authToken, [number, '+442079460958']);
    // A proxy on loopback reports the host Twilio called (X-Forwarded-Host).
    t = await TestApp.start({ TWILIO_API_URL: twilio.url, PUBLIC_BASE_URL, TRUST_PROXY: 'loopback' });
    owner = await t.signup();
    db = await ownerClient('eu');
    const res = await connect(owner, { provider: 'twilio', phoneNumber: '+1 (415) 555-0100', accountSid });
    expect(res.status).toBe(201);
    channelId = res.body.id;
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
    await twilio?.stop();
  });

  describe('connecting a number', () => {
    it('normalises the number to E.164, checks the credentials and the number with Twilio, and shows the webhook URL', async () => {
      const channel = await t.request('GET', `/api/channels/${channelId}`, { token: owner.token });
      expect(channel.body).toMatchObject({
        kind: 'sms',
        status: 'active',
        config: { provider: 'twilio', phoneNumber: number, accountSid, webhookUrl: webhookUrl(channelId) },
      });
      expect(JSON.stringify(channel.body)).not.toContain(authToken);
      const checks = twilio.calls.filter((c) => c.method === 'GET');
      expect(checks.map((c) => c.path)).toEqual([`/2010-04-01/Accounts/${accountSid}.json`, `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json`]);
      expect(checks[1].query.get('PhoneNumber')).toBe(number);
      expect(checks.every((c) => c.authorization === `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`)).toBe(true);
    });

    it('accepts 00 for + and any punctuation, and refuses numbers without a country code or that cannot exist', async () => {
      const other = await t.signup();
      const uk = await connect(other, { provider: 'twilio', phoneNumber: '0044 20 7946 0958', accountSid });
      expect(uk.status).toBe(201);
      expect(uk.body.config.phoneNumber).toBe('+442079460958');

      for (const phoneNumber of ['415-555-0100', '+1 415 555 01', 'call me', '+999 1234567']) {
        const res = await connect(other, { provider: 'twilio', phoneNumber, accountSid });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          code: 'VALIDATION_FAILED',
          message: expect.stringContaining('config.phoneNumber must be a valid phone number in international format'),
        });
      }
    });

    it('refuses a malformed Account SID, another provider and unknown fields, naming the field', async () => {
      const other = await t.signup();
      const bad = await connect(other, { provider: 'twilio', phoneNumber: number, accountSid: 'AC123' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('config.accountSid must be AC followed by 32');
      const provider = await connect(other, { provider: 'vonage', phoneNumber: number, accountSid });
      expect(provider.body.message).toContain("config.provider must be 'twilio'");
      const extra = await connect(other, { provider: 'twilio', phoneNumber: number, accountSid, apiKey: 'x' });
      expect(extra.body.message).toContain('config.apiKey is not a field of sms');
      const noToken = await connect(other, { provider: 'twilio', phoneNumber: number, accountSid }, {});
      expect(noToken.body.message).toContain('credentials.authToken is missing or malformed');
    });

    it('refuses credentials Twilio refuses, and a number the account does not hold', async () => {
      const other = await t.signup();
      const wrong = await connect(other, { provider: 'twilio', phoneNumber: '+14155550142', accountSid }, { authToken: 'f'.repeat(32) });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ code: 'TWILIO_CREDENTIALS_INVALID' });
      expect(JSON.stringify(wrong.body)).not.toContain('f'.repeat(32));
      const notHeld = await connect(other, { provider: 'twilio', phoneNumber: '+14155550142', accountSid });
      expect(notHeld.status).toBe(400);
      expect(notHeld.body.code).toBe('TWILIO_NUMBER_NOT_IN_ACCOUNT');
      const channels = await t.request('GET', '/api/channels', { token: other.token });
      expect(channels.body.items).toHaveLength(0);
    });

    it('keeps a number connected by another tenant out of reach, however it is written', async () => {
      const other = await t.signup();
      const res = await connect(other, { provider: 'twilio', phoneNumber: '+1 415.555.0100', accountSid });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CHANNEL_ALREADY_CONNECTED');
    });
  });

  describe('receiving', () => {
    it('turns a signed SMS into a conversation, answering Twilio with empty TwiML', async () => {
      const sms = inboundSms('Is my order ready? 🍰 & "thanks"');
      const res = await postTwilio(channelId, sms);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.body).toBe(EMPTY_TWIML);
      expect(await t.drainInbound()).toBe(1);

      const conversation = await conversationOf(channelId);
      expect(await messagesOf(conversation.id)).toMatchObject([
        { direction: 'inbound', text: 'Is my order ready? 🍰 & "thanks"', externalId: sms.MessageSid, attachments: [] },
      ]);
      const contact = await t.request('GET', `/api/contacts/${conversation.contactId}`, { token: owner.token });
      expect(contact.body.identities).toMatchObject([{ channelId, channelKind: 'sms', externalId: endUser }]);
    });

    it('keeps MMS media as attachments (URLs, not copies), and stores none of the location fields Twilio adds', async () => {
      const media = (n: string) => `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Messages/MM1/Media/ME${n}`;
      const mms = inboundSms('', {
        NumMedia: '3',
        MediaUrl0: media('0'),
        MediaContentType0: 'image/jpeg',
        MediaUrl1: media('1'),
        MediaContentType1: 'video/mp4',
        MediaUrl2: media('2'),
        MediaContentType2: 'text/vcard',
      });
      expect((await postTwilio(channelId, mms)).status).toBe(200);
      await t.drainInbound();
      const conversation = await conversationOf(channelId);
      const message = (await messagesOf(conversation.id)).find((m) => m.externalId === mms.MessageSid)!;
      expect(message).toMatchObject({
        text: null,
        attachments: [
          { type: 'image', url: media('0'), mimeType: 'image/jpeg' },
          { type: 'video', url: media('1'), mimeType: 'video/mp4' },
          { type: 'file', url: media('2'), mimeType: 'text/vcard' },
        ],
      });
      const { rows } = await db.query(`select payload from inbound_events where channel_id = $1 and dedupe_key = $2`, [channelId, `msg:${mms.MessageSid}`]);
      expect(Object.keys(rows[0].payload.params)).not.toEqual(expect.arrayContaining(['FromCity']));
      expect(JSON.stringify(rows[0].payload)).not.toMatch(/FromCity|FromZip|SAN FRANCISCO|SomeFieldAddedWithoutNotice/);
    });

    it('stores an SMS delivered three times, and three times at once, exactly once', async () => {
      const sms = inboundSms('only once please');
      for (let i = 0; i < 3; i++) expect((await postTwilio(channelId, sms)).status).toBe(200);
      const concurrent = inboundSms('concurrent');
      expect((await Promise.all([1, 2, 3].map(() => postTwilio(channelId, concurrent)))).map((r) => r.status)).toEqual([200, 200, 200]);
      await t.drainInbound();
      const { rows } = await db.query(`select external_id from messages where channel_id = $1 and external_id = any($2)`, [
        channelId,
        [sms.MessageSid, concurrent.MessageSid],
      ]);
      expect(rows).toHaveLength(2);
    });

    it.each([
      ['a missing signature', { signature: null }],
      ['an empty signature', { signature: '' }],
      ['another Auth Token', { token: 'a'.repeat(32) }],
      ['a signature over another URL', { signedUrl: `${PUBLIC_BASE_URL}/webhooks/twilio/00000000-0000-4000-8000-000000000000` }],
      ['a signature over the http:// spelling of PUBLIC_BASE_URL', { signedUrl: 'http://inbox.monkeymachine.test/webhooks/twilio/CHANNEL' }],
      ['a garbage header', { signature: 'not-a-signature' }],
    ])('refuses %s with 403 and stores nothing', async (_, opts) => {
      const before = await eventsStored();
      const o = { ...opts } as { signedUrl?: string };
      if (o.signedUrl) o.signedUrl = o.signedUrl.replace('CHANNEL', channelId);
      const res = await postTwilio(channelId, inboundSms('forged'), o);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('INVALID_SIGNATURE');
      const status = await postTwilio(channelId, statusCallback(twilioSid('SM'), 'delivered'), { ...o, status: true });
      expect(status.status).toBe(403);
      expect(await eventsStored()).toBe(before);
    });

    it('refuses a genuine signature once a parameter was changed or added', async () => {
      const before = await eventsStored();
      const sms = inboundSms('pay 10 dollars');
      const signature = signLikeTwilio(authToken, webhookUrl(channelId), sms);
      expect((await postTwilio(channelId, { ...sms, Body: 'pay 1000 dollars' }, { signature })).status).toBe(403);
      expect((await postTwilio(channelId, { ...sms, MediaUrl0: 'https://evil.example/x.jpg', NumMedia: '1' }, { signature })).status).toBe(403);
      expect((await postTwilio(channelId, sms, { signature })).status).toBe(200);
      expect(await eventsStored()).toBe(before + 1);
    });

    it('accepts the URL Twilio actually called when a proxy reports another host, and the explicit :443 spelling', async () => {
      const sms = inboundSms('via the custom domain');
      const res = await postTwilio(channelId, sms, {
        signedUrl: `https://sms.customer.example/webhooks/twilio/${channelId}`,
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'sms.customer.example' },
      });
      expect(res.status).toBe(200);
      const withPort = inboundSms('port written out');
      expect((await postTwilio(channelId, withPort, { signedUrl: `https://inbox.monkeymachine.test:443/webhooks/twilio/${channelId}` })).status).toBe(200);
      // A query string is part of the signed URL as called.
      const res2 = await t.request('POST', `/webhooks/twilio/${channelId}?tag=a`, {
        body: formBody(inboundSms('with a query')),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signLikeTwilio(authToken, `${webhookUrl(channelId)}?tag=b`, inboundSms('with a query')),
        },
      });
      expect(res2.status).toBe(403);
    });

    it('answers 404 for an unknown or malformed channel id, and refuses a JSON body', async () => {
      expect((await postTwilio('00000000-0000-4000-8000-000000000000', inboundSms('who?'))).status).toBe(404);
      expect((await postTwilio('not-a-uuid', inboundSms('who?'))).status).toBe(404);
      const json = await t.request('POST', `/webhooks/twilio/${channelId}`, { body: inboundSms('json'), headers: { 'x-twilio-signature': 'x' } });
      expect(json.status).toBe(415);
      expect(json.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('replying', () => {
    it('sends a reply through the Messages API with To, From, Body and our StatusCallback', async () => {
      const conversation = await conversationOf(channelId);
      const reply = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { text: 'Ready at 5 pm! Reply STOP to opt out' },
      });
      expect(reply.status).toBe(202);
      expect(await t.drainOutbound()).toBe(1);

      const [call] = twilio.callsTo(twilio.messagesPath(accountSid));
      expect(call).toMatchObject({
        method: 'POST',
        authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
        contentType: 'application/x-www-form-urlencoded',
        form: {
          To: endUser,
          From: number,
          Body: 'Ready at 5 pm! Reply STOP to opt out',
          StatusCallback: `${PUBLIC_BASE_URL}/webhooks/twilio/${channelId}/status`,
        },
      });
      expect(Object.keys(call.form).sort()).toEqual(['Body', 'From', 'StatusCallback', 'To']);
      const sent = (await messagesOf(conversation.id)).find((m) => m.id === reply.body.id)!;
      expect(sent).toMatchObject({ status: 'sent', externalId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    });

    it("refuses a reply longer than Twilio's 1600 characters before queueing it (400 TEXT_TOO_LONG), and sends one at the limit", async () => {
      const conversation = await conversationOf(channelId);
      const before = twilio.callsTo(twilio.messagesPath(accountSid)).length;
      const long = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'x'.repeat(1601) } });
      expect([long.status, long.body.code]).toEqual([400, 'TEXT_TOO_LONG']);
      expect((await messagesOf(conversation.id)).some((m) => m.text === 'x'.repeat(1601))).toBe(false);
      const atLimit = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'y'.repeat(1600) } });
      expect(atLimit.status).toBe(202);
      expect(await t.drainOutbound()).toBe(1);
      expect(twilio.callsTo(twilio.messagesPath(accountSid))).toHaveLength(before + 1);
    });

    it('moves the status forward with signed status callbacks, never back, and each callback counts once', async () => {
      const conversation = await conversationOf(channelId);
      const reply = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'tracking' } });
      await t.drainOutbound();
      const message = async () => (await messagesOf(conversation.id)).find((m) => m.id === reply.body.id)!;
      const sid = (await message()).externalId;

      for (const status of ['queued', 'sent', 'delivered']) {
        const res = await postTwilio(channelId, statusCallback(sid, status), { status: true });
        expect(res.status).toBe(204);
        expect(res.body ?? '').toBe('');
      }
      await t.drainInbound();
      expect(await message()).toMatchObject({ status: 'delivered', error: null });

      const before = await eventsStored();
      await postTwilio(channelId, statusCallback(sid, 'delivered'), { status: true });
      await postTwilio(channelId, statusCallback(sid, 'sent'), { status: true });
      expect(await eventsStored()).toBe(before); // both already stored: duplicates
      await postTwilio(channelId, statusCallback(sid, 'read'), { status: true });
      await postTwilio(channelId, statusCallback(sid, 'undelivered', { ErrorCode: '30003' }), { status: true });
      await t.drainInbound();
      expect(await message()).toMatchObject({ status: 'read' });
    });

    it("marks an undelivered message failed with Twilio's ErrorCode", async () => {
      const conversation = await conversationOf(channelId);
      const reply = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { text: 'to a switched-off phone' },
      });
      await t.drainOutbound();
      const message = async () => (await messagesOf(conversation.id)).find((m) => m.id === reply.body.id)!;
      const sid = (await message()).externalId;
      await postTwilio(channelId, statusCallback(sid, 'sent'), { status: true });
      await postTwilio(channelId, statusCallback(sid, 'undelivered', { ErrorCode: '30003', NewFieldFromTwilio: 'y' }), { status: true });
      await t.drainInbound();
      expect(await message()).toMatchObject({ status: 'failed', error: { code: '30003', text: 'Unreachable destination handset' } });
      await postTwilio(channelId, statusCallback(sid, 'delivered'), { status: true });
      await t.drainInbound();
      expect(await message()).toMatchObject({ status: 'failed' });
    });

    it("fails a message Twilio refuses with Twilio's code and text, and revokes the channel on 20003", async () => {
      const conversation = await conversationOf(channelId);
      twilio.failNext(twilio.messagesPath(accountSid), 400, {
        code: 21610,
        message: 'Attempt to send to unsubscribed recipient',
        more_info: 'https://www.twilio.com/docs/errors/21610',
        status: 400,
      });
      const refused = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'promo' } });
      await t.drainOutbound();
      expect((await messagesOf(conversation.id)).find((m) => m.id === refused.body.id)).toMatchObject({
        status: 'failed',
        error: { code: '21610', text: 'Attempt to send to unsubscribed recipient' },
      });
      expect((await t.request('GET', `/api/channels/${channelId}`, { token: owner.token })).body.status).toBe('active');

      // The Customer rotates the Auth Token in the Twilio Console: our stored one stops working.
      const rotated = randomBytes(16).toString('hex');
      twilio.account(accountSid, rotated, [number, '+442079460958']);
      const lost = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'anyone?' } });
      await t.drainOutbound();
      expect((await messagesOf(conversation.id)).find((m) => m.id === lost.body.id)).toMatchObject({ status: 'failed', error: { code: '20003' } });
      expect((await t.request('GET', `/api/channels/${channelId}`, { token: owner.token })).body).toMatchObject({
        status: 'revoked',
        revokedReason: expect.stringContaining('20003'),
      });

      // Reconnecting with the new token restores sending; webhooks are then checked with it.
      const again = await connect(owner, { provider: 'twilio', phoneNumber: number, accountSid }, { authToken: rotated });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: channelId, status: 'active' });
      expect((await postTwilio(channelId, inboundSms('old token'))).status).toBe(403);
      expect((await postTwilio(channelId, inboundSms('new token'), { token: rotated })).status).toBe(200);
    });
  });

  it('stores the Auth Token encrypted only', async () => {
    const tables = (
      await db.query(
        `select format('%I.%I', table_schema, table_name) as t from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
      )
    ).rows;
    for (const { t: table } of tables) {
      const { rows } = await db.query(`select count(*)::int as n from ${table} x where strpos(x::text, $1) > 0`, [authToken]);
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });
});
