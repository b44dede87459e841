import { randomBytes } from 'node:crypto';
import { FakeTelegramServer, botToken } from './fakes/fake-telegram.server';
import { SmtpSink } from './fakes/smtp-sink';
import { TestApp, TestTenant } from './support/test-app';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(200 * 1024)]);
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(64 * 1024), Buffer.from('\n%%EOF\n')]);

/** Uploaded files on Telegram (multipart Bot API calls) and e-mail (MIME attachments), checked where the platform receives them. */
describe('outbound media: Telegram and e-mail', () => {
  let t: TestApp;
  let telegram: FakeTelegramServer;
  let sink: SmtpSink;
  const smtpUser = 'support@acme.test';
  const smtpPassword = `smtp-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    telegram = await new FakeTelegramServer().start();
    sink = await new SmtpSink(smtpUser, smtpPassword).start();
    t = await TestApp.start({
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
});
