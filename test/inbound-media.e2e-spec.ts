import type { Client } from 'pg';
import { randomBytes, randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { freePort } from '../src/database/embedded-postgres';
import { MAX_MEDIA_ATTEMPTS } from '../src/media/inbound-media.worker';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { FakeTelegramServer, botToken } from './fakes/fake-telegram.server';
import { FakeTwilioServer, formBody, signLikeTwilio, twilioSid } from './fakes/fake-twilio.server';
import { SmtpSink } from './fakes/smtp-sink';
import { connectPage, connectWhatsApp } from './support/channels';
import { allTables, rowsMentioning } from './support/db-catalog';
import { META_APP_SECRET, instagramMessage, platformId, postMetaWebhook, waId, whatsappMessage } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const MB = 1024 * 1024;
const PUBLIC_BASE_URL = 'https://inbox.example';
const EMAIL_DOMAIN = 'mm.example.test';

/** Files whose bytes say what they are (the copy is typed by sniffing), each with a random body. */
const png = (size = 120 * 1024) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size)]);
const pdf = (size = 60 * 1024) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size), Buffer.from('\n%%EOF\n')]);

interface InboundFile {
  bytes: Buffer;
  mimeType: 'image/png' | 'application/pdf';
  name: string;
  /** HTTP statuses the platform answers the first fetches with. */
  failFirst?: number[];
  /** Gone at the platform (an expired link, a deleted file) by the time it is fetched. */
  gone?: boolean;
}

/** One channel kind as the tests drive it: connect a channel, deliver an inbound message with one file, count the fetches of it. */
interface Driver {
  kind: string;
  /** Whether the platform can fail or lose a file (e-mail parts are ours from the start). */
  remote: boolean;
  connect(owner: TestTenant): Promise<{ channelId: string; deliver(file: InboundFile): Promise<{ fetches(): number }> }>;
}

/**
 * Inbound files are copied into the tenant's media store by the media job, off the webhook's
 * path: from Meta's CDN (Messenger, Instagram), by WhatsApp media id, by Telegram getFile, from
 * Twilio with the account's credentials, and from a mail's parts. Each attachment shows where
 * its copy stands; a stored one downloads with the bytes the End User sent.
 */
describe('inbound media copies', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let telegram: FakeTelegramServer;
  let twilio: FakeTwilioServer;
  let sink: SmtpSink;
  let smtpPort: number;
  let eu: Client;

  beforeAll(async () => {
    [graph, telegram, twilio] = await Promise.all([new FakeGraphServer().start(), new FakeTelegramServer().start(), new FakeTwilioServer().start()]);
    sink = await new SmtpSink('support@acme.test', 'smtp-password-123').start();
    smtpPort = await freePort();
    t = await TestApp.start({
      META_GRAPH_URL: graph.url,
      META_APP_SECRET,
      TELEGRAM_API_URL: telegram.url,
      TWILIO_API_URL: twilio.url,
      PUBLIC_BASE_URL,
      EMAIL_DOMAIN,
      SMTP_PORT: String(smtpPort),
      // The fakes listen on loopback: the public-address check lets them through only with this.
      WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on',
      // No platform's own limit is this low: an oversize file stays small enough for a test.
      MEDIA_MAX_UPLOAD_BYTES: String(3 * MB),
    });
    eu = await ownerClient('eu');
  });
  afterAll(async () => {
    await eu.end();
    await t.close();
    await Promise.all([graph.stop(), telegram.stop(), twilio.stop(), sink.stop()]);
  });

  const whatsapp: Driver = {
    kind: 'whatsapp',
    remote: true,
    async connect(owner) {
      const wa = await connectWhatsApp(t, graph, owner);
      const from = waId();
      return {
        channelId: wa.channelId,
        async deliver(file) {
          const id = platformId();
          if (!file.gone) graph.addMedia(id, wa.token, file.bytes, file.mimeType, { failFirst: file.failFirst });
          const type = file.mimeType === 'image/png' ? 'image' : 'document';
          const media = { id, mime_type: file.mimeType, sha256: 'c2hh', ...(type === 'document' ? { filename: file.name } : {}) };
          await postMetaWebhook(t, whatsappMessage(wa.wabaId, wa.phoneNumberId, from, { type, [type]: media }));
          return { fetches: () => graph.callsTo(`/media-download/${id}`).length };
        },
      };
    },
  };

  const metaCdn = (kind: 'messenger' | 'instagram'): Driver => ({
    kind,
    remote: true,
    async connect(owner) {
      let channelId: string;
      let accountId: string;
      if (kind === 'messenger') ({ channelId, accountId } = await connectPage(t, graph, owner));
      else {
        accountId = platformId();
        const token = `IGQ-token-${accountId}`;
        graph.instagram(accountId, token);
        const res = await t.request('POST', '/api/channels', {
          token: owner.token,
          body: { kind: 'instagram', name: 'IG', config: { igAccountId: accountId }, credentials: { accessToken: token } },
        });
        expect(res.status).toBe(201);
        channelId = res.body.id;
      }
      const sender = platformId();
      return {
        channelId,
        async deliver(file) {
          const url = graph.cdnFile(file.bytes, file.mimeType, { failFirst: file.failFirst });
          if (file.gone) graph.expireCdnFile(url);
          const attachments = [{ type: file.mimeType === 'image/png' ? 'image' : 'file', payload: { url } }];
          const at = Date.now();
          const body =
            kind === 'messenger'
              ? {
                  object: 'page',
                  entry: [
                    {
                      id: accountId,
                      time: at,
                      messaging: [{ sender: { id: sender }, recipient: { id: accountId }, timestamp: at, message: { mid: `m_${randomUUID()}`, attachments } }],
                    },
                  ],
                }
              : instagramMessage(accountId, sender, { attachments });
          expect((await postMetaWebhook(t, body)).status).toBe(200);
          return { fetches: () => graph.cdnRequests(url).length };
        },
      };
    },
  });

  const telegramDriver: Driver = {
    kind: 'telegram',
    remote: true,
    async connect(owner) {
      const token = botToken(7_200_000_000 + Math.floor(Math.random() * 1_000_000));
      telegram.bot(token);
      const res = await t.request('POST', '/api/channels', {
        token: owner.token,
        body: { kind: 'telegram', name: 'Bot', config: {}, credentials: { botToken: token } },
      });
      expect(res.status).toBe(201);
      const chat = 600_000_000 + Math.floor(Math.random() * 1_000_000);
      let messageId = 10;
      return {
        channelId: res.body.id,
        async deliver(file) {
          const fileId = `BQACAgIAAxkBAAI${randomBytes(12).toString('hex')}`;
          if (!file.gone) telegram.file(token, fileId, file.bytes, { failFirst: file.failFirst, extension: file.mimeType === 'image/png' ? 'png' : 'pdf' });
          const sent = { file_id: fileId, file_unique_id: `u${fileId.slice(-8)}`, file_size: file.bytes.length };
          const content =
            file.mimeType === 'image/png'
              ? { photo: [{ ...sent, width: 800, height: 600 }] }
              : { document: { ...sent, file_name: file.name, mime_type: file.mimeType } };
          const update = {
            update_id: Math.floor(Math.random() * 1e9),
            message: {
              message_id: ++messageId,
              from: { id: chat, is_bot: false, first_name: 'Ann' },
              chat: { id: chat, type: 'private' },
              date: Math.floor(Date.now() / 1000),
              ...content,
            },
          };
          const posted = await t.request('POST', `/webhooks/telegram/${res.body.id}`, {
            body: update,
            headers: { 'x-telegram-bot-api-secret-token': telegram.webhookOf(token)!.secret },
          });
          expect(posted.status).toBe(200);
          return { fetches: () => telegram.downloadsOf(fileId) };
        },
      };
    },
  };

  const sms: Driver = {
    kind: 'sms',
    remote: true,
    async connect(owner) {
      const accountSid = twilioSid('AC');
      const authToken = randomBytes(16).toString('hex');
      const number = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
      twilio.account(accountSid, authToken, [number]);
      const res = await t.request('POST', '/api/channels', {
        token: owner.token,
        body: { kind: 'sms', name: 'SMS', config: { phoneNumber: number, accountSid }, credentials: { authToken } },
      });
      expect(res.status).toBe(201);
      const channelId = res.body.id;
      return {
        channelId,
        async deliver(file) {
          const url = twilio.mediaUrl(accountSid, file.bytes, file.mimeType, { failFirst: file.failFirst });
          if (file.gone) twilio.deleteMedia(url);
          const params = {
            MessageSid: twilioSid('MM'),
            AccountSid: accountSid,
            From: '+14155550199',
            To: number,
            Body: '',
            NumMedia: '1',
            NumSegments: '1',
            MediaUrl0: url,
            MediaContentType0: file.mimeType,
          };
          const posted = await t.request('POST', `/webhooks/twilio/${channelId}`, {
            body: formBody(params),
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-twilio-signature': signLikeTwilio(authToken, `${PUBLIC_BASE_URL}/webhooks/twilio/${channelId}`, params),
            },
          });
          expect(posted.status).toBe(200);
          return { fetches: () => twilio.callsTo(new URL(url).pathname).length };
        },
      };
    },
  };

  const email: Driver = {
    kind: 'email',
    remote: false,
    async connect(owner) {
      const address = `support-${randomBytes(4).toString('hex')}@${EMAIL_DOMAIN}`;
      const res = await t.request('POST', '/api/channels', {
        token: owner.token,
        body: {
          kind: 'email',
          name: 'Mail',
          config: { address, smtp: { host: '127.0.0.1', port: sink.port, user: 'support@acme.test', from: 'support@acme.test' } },
          credentials: { smtpPassword: 'smtp-password-123' },
        },
      });
      expect(res.status).toBe(201);
      const endUser = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, name: 'mx.example.test' });
      return {
        channelId: res.body.id,
        async deliver(file) {
          await endUser.sendMail({
            from: 'Ann <ann@example.org>',
            to: address,
            subject: `File ${randomUUID()}`,
            text: 'see attached',
            attachments: [{ filename: file.name, content: file.bytes, contentType: file.mimeType }],
          });
          return { fetches: () => 0 };
        },
      };
    },
  };

  const drivers = [whatsapp, metaCdn('messenger'), metaCdn('instagram'), telegramDriver, sms, email];

  /** The newest message of the channel's conversation, as the API shows it. */
  async function latest(owner: TestTenant, channelId: string) {
    const conversation = (await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token })).body.items[0];
    const messages = (await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token })).body.items;
    const message = messages.reduce((a: { createdAt: string }, b: { createdAt: string }) => (a.createdAt > b.createdAt ? a : b));
    return {
      conversation,
      message,
      attachment: message.attachments.find((a: { type: string; name?: string }) => a.type !== 'other' && a.name !== 'full-text.txt'),
    };
  }

  async function download(owner: TestTenant, conversationId: string, messageId: string, index: number) {
    return t.app.inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages/${messageId}/attachments/${index}`,
      headers: { authorization: `Bearer ${owner.token}` },
    });
  }

  const makeRetriesDue = (tenantId: string) => eu.query(`update queue.jobs set available_at = now() where kind = 'media' and tenant_id = $1`, [tenantId]);

  describe.each(drivers)('$kind', (driver) => {
    let owner: TestTenant;
    let channel: Awaited<ReturnType<Driver['connect']>>;
    beforeAll(async () => {
      owner = await t.signup();
      channel = await driver.connect(owner);
    });

    it.each([
      ['a photo', { bytes: png(), mimeType: 'image/png' as const, name: 'photo.png' }],
      ['a PDF', { bytes: pdf(), mimeType: 'application/pdf' as const, name: 'invoice.pdf' }],
    ])('copies %s at ingest, not on the webhook: stored, and downloadable with the same bytes', async (_what, file) => {
      const sent = await channel.deliver(file);
      expect(sent.fetches()).toBe(0);
      await t.drainInbound();
      const before = await latest(owner, channel.channelId);
      expect(before.attachment).toMatchObject({ state: 'pending' });
      expect(before.attachment.uploadId).toBeUndefined();

      await t.drainMedia();
      const { conversation, message, attachment } = await latest(owner, channel.channelId);
      expect(attachment).toMatchObject({ state: 'stored', mimeType: file.mimeType, size: file.bytes.length });
      expect(attachment.failure).toBeUndefined();
      expect(attachment.uploadId).toEqual(expect.any(String));
      if (driver.remote) expect(sent.fetches()).toBe(1);

      const res = await download(
        owner,
        conversation.id,
        message.id,
        message.attachments.indexOf(message.attachments.find((a: { uploadId?: string }) => a.uploadId)),
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain(file.mimeType);
      expect(res.rawPayload.equals(file.bytes)).toBe(true);

      // A mail's part, once copied, is kept only in the media store.
      if (driver.kind === 'email')
        expect(
          (await eu.query(`select count(*)::int as n from email_attachments where tenant_id = $1 and size = $2`, [owner.tenantId, file.bytes.length])).rows[0]
            .n,
        ).toBe(0);

      const stranger = await t.signup();
      expect((await download(stranger, conversation.id, message.id, 0)).statusCode).toBe(404);
    });

    it('marks a file over the limit failed (too_large) and keeps none of it', async () => {
      const usage = async () =>
        Number((await eu.query(`select coalesce(sum(size), 0) as n from media_blobs where tenant_id = $1`, [owner.tenantId])).rows[0].n);
      const before = await usage();
      await channel.deliver({ bytes: pdf(3.5 * MB), mimeType: 'application/pdf', name: 'huge.pdf' });
      await t.drainInbound();
      await t.drainMedia();
      const { attachment } = await latest(owner, channel.channelId);
      expect(attachment).toMatchObject({ state: 'failed', failure: 'too_large' });
      expect(attachment.uploadId).toBeUndefined();
      expect(await usage()).toBe(before);
    });

    if (!driver.remote) return;

    it('retries a fetch the platform answered with 500, with backoff, then stores the file', async () => {
      const file = { bytes: png(), mimeType: 'image/png' as const, name: 'retry.png', failFirst: [500] };
      const sent = await channel.deliver(file);
      await t.drainInbound();
      await t.drainMedia();
      expect((await latest(owner, channel.channelId)).attachment).toMatchObject({ state: 'pending' });
      const [job] = (await eu.query(`select attempts, available_at > now() as later from queue.jobs where kind = 'media' and tenant_id = $1`, [owner.tenantId]))
        .rows;
      expect(job).toEqual({ attempts: 1, later: true });

      await makeRetriesDue(owner.tenantId);
      await t.drainMedia();
      const { conversation, message, attachment } = await latest(owner, channel.channelId);
      expect(attachment).toMatchObject({ state: 'stored', size: file.bytes.length });
      expect(sent.fetches()).toBe(2);
      expect((await download(owner, conversation.id, message.id, 0)).rawPayload.equals(file.bytes)).toBe(true);
      expect((await eu.query(`select count(*)::int as n from queue.jobs where kind = 'media' and tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
    });

    it('marks a file the platform no longer has failed (not_found), without retrying', async () => {
      await channel.deliver({ bytes: png(), mimeType: 'image/png', name: 'gone.png', gone: true });
      await t.drainInbound();
      await t.drainMedia();
      const { attachment } = await latest(owner, channel.channelId);
      expect(attachment).toMatchObject({ state: 'failed', failure: 'not_found' });
      expect((await eu.query(`select count(*)::int as n from queue.jobs where kind = 'media' and tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
    });
  });

  it('refuses a fetch without the credentials: the fakes answer only the right token', async () => {
    const mediaId = platformId();
    graph.addMedia(mediaId, 'EAAG-right-token', png(), 'image/png');
    const wrong = await fetch(`${graph.url}/media-download/${mediaId}`, { headers: { authorization: 'Bearer EAAG-wrong' } });
    expect(wrong.status).toBe(401);
    const sid = twilioSid('AC');
    twilio.account(sid, 'right-auth-token-123');
    const url = twilio.mediaUrl(sid, png(), 'image/png');
    expect((await fetch(url)).status).toBe(401);
    const cdn = new URL(graph.cdnFile(png(), 'image/png'));
    cdn.searchParams.set('oh', 'forged');
    expect((await fetch(cdn)).status).toBe(403);
  });

  it("marks a file failed (quota_exceeded) when the organization's storage is full, and stores none of it", async () => {
    const owner = await t.signup();
    await eu.query(`update tenants set media_quota_bytes = 50000 where tenant_id = $1`, [owner.tenantId]);
    const channel = await metaCdn('messenger').connect(owner);
    await channel.deliver({ bytes: png(), mimeType: 'image/png', name: 'big.png' });
    await t.drainInbound();
    await t.drainMedia();
    expect((await latest(owner, channel.channelId)).attachment).toMatchObject({ state: 'failed', failure: 'quota_exceeded' });
    expect((await eu.query(`select count(*)::int as n from media_blobs where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);

    // A file that fits what is left is stored.
    await channel.deliver({ bytes: png(20_000), mimeType: 'image/png', name: 'small.png' });
    await t.drainInbound();
    await t.drainMedia();
    expect((await latest(owner, channel.channelId)).attachment).toMatchObject({ state: 'stored', size: 20_008 });
  });

  it('gives up after the last attempt: a platform that keeps failing leaves the file failed (fetch_failed), and its job ends', async () => {
    const owner = await t.signup();
    const channel = await sms.connect(owner);
    const sent = await channel.deliver({ bytes: png(), mimeType: 'image/png', name: 'flaky.png', failFirst: Array(MAX_MEDIA_ATTEMPTS).fill(503) });
    await t.drainInbound();
    for (let i = 0; i < MAX_MEDIA_ATTEMPTS; i++) {
      expect((await latest(owner, channel.channelId)).attachment).toMatchObject({ state: 'pending' });
      await makeRetriesDue(owner.tenantId);
      await t.drainMedia();
    }
    expect(sent.fetches()).toBe(MAX_MEDIA_ATTEMPTS);
    expect((await latest(owner, channel.channelId)).attachment).toMatchObject({ state: 'failed', failure: 'fetch_failed' });
    expect((await eu.query(`select count(*)::int as n from queue.jobs where kind = 'media' and tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
  });

  it("copies the files of what the business sent from the platform's own inbox (an echo) as well", async () => {
    const owner = await t.signup();
    const { pageId, channelId } = await connectPage(t, graph, owner);
    const psid = platformId();
    const at = Date.now();
    const messaging = (m: Record<string, unknown>, from: string, to: string) => ({
      object: 'page',
      entry: [
        { id: pageId, time: at, messaging: [{ sender: { id: from }, recipient: { id: to }, timestamp: at, message: { mid: `m_${randomUUID()}`, ...m } }] },
      ],
    });
    await postMetaWebhook(t, messaging({ text: 'Can I see the menu?' }, psid, pageId));
    await t.drainInbound();
    const menu = pdf();
    const url = graph.cdnFile(menu, 'application/pdf');
    await postMetaWebhook(t, messaging({ is_echo: true, attachments: [{ type: 'file', payload: { url } }] }, pageId, psid));
    await t.drainInbound();
    await t.drainMedia();
    const { conversation, message, attachment } = await latest(owner, channelId);
    expect(message.direction).toBe('outbound');
    expect(attachment).toMatchObject({ state: 'stored', mimeType: 'application/pdf', size: menu.length });
    expect((await download(owner, conversation.id, message.id, 0)).rawPayload.equals(menu)).toBe(true);
  });

  it('an Instagram message its sender deleted takes the copy of its file with it', async () => {
    const owner = await t.signup();
    const igAccountId = platformId();
    graph.instagram(igAccountId, `IGQ-token-${igAccountId}`);
    await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'instagram', name: 'IG', config: { igAccountId }, credentials: { accessToken: `IGQ-token-${igAccountId}` } },
    });
    const igsid = platformId();
    const mid = `aWdf_${randomUUID()}`;
    const url = graph.cdnFile(png(), 'image/png');
    await postMetaWebhook(t, instagramMessage(igAccountId, igsid, { mid, attachments: [{ type: 'image', payload: { url } }] }));
    await t.drainInbound();
    await t.drainMedia();
    const blobs = async () => (await eu.query(`select count(*)::int as n from media_blobs where tenant_id = $1`, [owner.tenantId])).rows[0].n;
    expect(await blobs()).toBe(1);

    await postMetaWebhook(t, instagramMessage(igAccountId, igsid, { mid, is_deleted: true }));
    await t.drainInbound();
    expect(await blobs()).toBe(0);
    expect((await eu.query(`select count(*)::int as n from uploads where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
  });

  it('erasing the End User deletes the bytes of the files they sent', async () => {
    const owner = await t.signup();
    const channel = await whatsapp.connect(owner);
    const pattern = randomBytes(48);
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), pattern, Buffer.alloc(300 * 1024, 7), pattern]);
    await channel.deliver({ bytes, mimeType: 'application/pdf', name: 'passport.pdf' });
    await t.drainInbound();
    await t.drainMedia();
    const { conversation, attachment } = await latest(owner, channel.channelId);
    expect(attachment).toMatchObject({ state: 'stored' });
    const holding = async () => {
      const found: string[] = [];
      for (const table of await allTables(eu)) if ((await rowsMentioning(eu, table, pattern.toString('hex'))) > 0) found.push(table);
      return found;
    };
    expect(await holding()).toEqual(['public.media_chunks']);

    expect((await t.request('DELETE', `/api/contacts/${conversation.contactId}`, { token: owner.token })).status).toBe(200);
    expect(await holding()).toEqual([]);
    expect((await eu.query(`select count(*)::int as n from media_blobs where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
  });
});
