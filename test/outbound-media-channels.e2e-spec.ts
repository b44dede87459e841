import { randomBytes } from 'node:crypto';
import { FakeTelegramServer, botToken } from './fakes/fake-telegram.server';
import { FakeTwilioServer, twilioSid } from './fakes/fake-twilio.server';
import { SmtpSink } from './fakes/smtp-sink';
import { TestApp, TestTenant } from './support/test-app';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(200 * 1024)]);
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(64 * 1024), Buffer.from('\n%%EOF\n')]);

/** Uploaded files on Telegram (multipart Bot API calls) and e-mail (MIME attachments), checked where the platform receives them. */
describe('outbound media: Telegram and e-mail', () => {
  let t: TestApp;
  let telegram: FakeTelegramServer;
  let sink: SmtpSink;
  let twilio: FakeTwilioServer;
  const smtpUser = 'support@acme.test';
  const smtpPassword = `smtp-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    telegram = await new FakeTelegramServer().start();
    sink = await new SmtpSink(smtpUser, smtpPassword).start();
    twilio = await new FakeTwilioServer().start();
    t = await TestApp.start({
      TWILIO_API_URL: twilio.url,
      TELEGRAM_API_URL: telegram.url,
      PUBLIC_BASE_URL: 'https://inbox.example',
      EMAIL_DOMAIN: 'mm.example.test',
      WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on',
    });
  });
  afterAll(async () => {
    await t.close();
    await telegram.stop();
    await sink.stop();
    await twilio.stop();
  });

  async function telegramConversation(owner: TestTenant) {
    const botId = 7_100_000_000 + Math.floor(Math.random() * 1_000_000);
    const token = botToken(botId);
    telegram.bot(token);
    const channel = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'telegram', name: 'Bot', config: {}, credentials: { botToken: token } },
    });
    expect(channel.status).toBe(201);
    const chatId = String(500_000_000 + Math.floor(Math.random() * 1_000_000));
    const { conversation } = await t.inbound(owner, channel.body.id, { channelKind: 'telegram', externalContactId: chatId, text: 'hi' });
    telegram.calls.length = 0;
    return { token, chatId, conversation };
  }

  it('Telegram: a photo with sendPhoto and a PDF with sendDocument, as multipart uploads with the caption', async () => {
    const owner = await t.signup();
    const { token, chatId, conversation } = await telegramConversation(owner);
    const photo = await t.upload(owner.token, PNG, { fileName: 'shop.png' });
    const pdf = await t.upload(owner.token, PDF, { fileName: 'price list.pdf' });
    const one = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
      token: owner.token,
      body: { text: 'Our shop', attachments: [{ uploadId: photo.body.id }] },
    });
    expect(one.status).toBe(202);
    await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { attachments: [{ uploadId: pdf.body.id }] } });
    expect(await t.drainOutbound()).toBe(2);

    const [sendPhoto, sendDocument] = telegram.calls;
    expect(sendPhoto).toMatchObject({
      httpMethod: 'POST',
      path: `/bot${token}/sendPhoto`,
      method: 'sendPhoto',
      body: { chat_id: chatId, caption: 'Our shop' },
    });
    expect(sendPhoto.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(sendPhoto.form!.files.photo).toEqual({ fileName: 'shop.png', contentType: 'image/png', bytes: PNG });
    expect(sendDocument).toMatchObject({ path: `/bot${token}/sendDocument`, body: { chat_id: chatId } });
    expect(sendDocument.form!.files.document).toEqual({ fileName: 'price list.pdf', contentType: 'application/pdf', bytes: PDF });
    const sent = (await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token })).body.items;
    expect(sent.filter((m: { direction: string }) => m.direction === 'outbound').map((m: { status: string }) => m.status)).toEqual(['sent', 'sent']);
  });

  it('E-mail: the files are real MIME attachments of the reply', async () => {
    const owner = await t.signup();
    const channel = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: {
        kind: 'email',
        name: 'Support',
        config: {
          address: `support-${randomBytes(4).toString('hex')}@mm.example.test`,
          smtp: { host: '127.0.0.1', port: sink.port, user: smtpUser, from: 'Acme <support@acme.test>' },
        },
        credentials: { smtpPassword },
      },
    });
    expect(channel.status).toBe(201);
    const contact = await t.request('POST', '/api/contacts', { token: owner.token, body: { displayName: 'Dana' } });
    const photo = await t.upload(owner.token, PNG, { fileName: 'photo.png' });
    const pdf = await t.upload(owner.token, PDF, { fileName: 'invoice.pdf' });
    const started = await t.request('POST', '/api/conversations', {
      token: owner.token,
      body: {
        contactId: contact.body.id,
        channelId: channel.body.id,
        to: 'dana@example.test',
        message: { text: 'Invoice and photo attached', attachments: [{ uploadId: photo.body.id }, { uploadId: pdf.body.id }] },
      },
    });
    expect(started.status).toBe(201);
    const before = sink.mails.length;
    await t.drainOutbound();
    const mail = sink.mails[before];
    expect(mail.parsed.text?.trim()).toBe('Invoice and photo attached');
    expect(mail.parsed.attachments.map((a) => [a.filename, a.contentType, a.content.equals(a.filename === 'photo.png' ? PNG : PDF)])).toEqual([
      ['photo.png', 'image/png', true],
      ['invoice.pdf', 'application/pdf', true],
    ]);
  });

  it('Twilio MMS: MediaUrl is a signed link of ours that serves the bytes until it expires, and nothing else', async () => {
    const owner = await t.signup();
    const accountSid = twilioSid('AC');
    const authToken = randomBytes(16).toString('hex');
    const number = `+1415555${String(1000 + Math.floor(Math.random() * 8999))}`;
    twilio.account(accountSid, authToken, [number]);
    const channel = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'sms', name: 'Line', config: { provider: 'twilio', phoneNumber: number, accountSid }, credentials: { authToken } },
    });
    expect(channel.status).toBe(201);
    const contact = await t.request('POST', '/api/contacts', { token: owner.token, body: { displayName: 'Sam' } });
    const photo = await t.upload(owner.token, PNG, { fileName: 'receipt.png' });
    const started = await t.request('POST', '/api/conversations', {
      token: owner.token,
      body: {
        contactId: contact.body.id,
        channelId: channel.body.id,
        to: '+14155550123',
        message: { text: 'Your receipt', attachments: [{ uploadId: photo.body.id }] },
      },
    });
    expect(started.status).toBe(201);
    await t.drainOutbound();
    const send = twilio.calls.find((c) => c.path === `/2010-04-01/Accounts/${accountSid}/Messages.json`)!;
    expect(send.form).toMatchObject({ To: '+14155550123', From: number, Body: 'Your receipt' });
    const mediaUrl = new URL(send.form.MediaUrl);
    expect(mediaUrl.origin).toBe('https://inbox.example');
    expect(mediaUrl.pathname).toBe(`/media/${owner.region}/${owner.tenantId}/${photo.body.id}`);

    const fetchMedia = (path: string) => t.app.inject({ method: 'GET', url: path });
    const got = await fetchMedia(`${mediaUrl.pathname}${mediaUrl.search}`);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.rawPayload.equals(PNG)).toBe(true);

    // Tampered, unsigned or for another file: all 404, like a file that does not exist.
    const other = await t.upload(owner.token, PDF);
    const search = mediaUrl.searchParams;
    for (const path of [
      `${mediaUrl.pathname}?expires=${search.get('expires')}&signature=${search.get('signature')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`,
      `${mediaUrl.pathname}?expires=${Number(search.get('expires')) + 1}&signature=${search.get('signature')}`,
      mediaUrl.pathname,
      `/media/${owner.region}/${owner.tenantId}/${other.body.id}${mediaUrl.search}`,
    ]) {
      const refused = await fetchMedia(path);
      expect({ path, status: refused.statusCode, code: JSON.parse(refused.body).code }).toEqual({ path, status: 404, code: 'UPLOAD_NOT_FOUND' });
    }
    // Expired: an hour later the same link is refused.
    const realNow = Date.now;
    Date.now = () => realNow() + 2 * 3600_000;
    try {
      expect((await fetchMedia(`${mediaUrl.pathname}${mediaUrl.search}`)).statusCode).toBe(404);
    } finally {
      Date.now = realNow;
    }
  });
});
