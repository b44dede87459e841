import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { Client } from 'pg';
import { freePort } from '../src/database/embedded-postgres';
import { InboundInbox } from '../src/ingest/inbound-inbox.service';
import { SmtpSink } from './fakes/smtp-sink';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const DOMAIN = 'mm.example.test';
const ADDRESS = `support-acme@${DOMAIN}`;
const ANN = 'ann@example.test';

/** A raw SMTP session, to see each reply as a sending server would. */
class SmtpDialog {
  private buffer = '';
  private waiting?: (reply: { code: number; text: string }) => void;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.deliver();
    });
  }

  static async open(port: number): Promise<{ dialog: SmtpDialog; greeting: { code: number; text: string } }> {
    const socket = tcpConnect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const dialog = new SmtpDialog(socket);
    return { dialog, greeting: await dialog.reply() };
  }

  private deliver(): void {
    const m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.buffer);
    if (!m || !this.waiting) return;
    const end = m.index + m[0].length;
    const text = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting({ code: Number(m[1]), text });
  }

  reply(): Promise<{ code: number; text: string }> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.deliver();
    });
  }

  command(line: string): Promise<{ code: number; text: string }> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An End User and a Customer exchange e-mail through a real SMTP listener and a real SMTP server. */
describe('E-mail channel', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;
  let channelId: string;
  let smtpPort: number;
  const smtpUser = 'support@acme.test';
  const smtpPassword = `smtp-${randomBytes(12).toString('hex')}`;
  const maxMessageBytes = 2 * 1024 * 1024;

  const endUser = () => createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, name: 'mx.example.test' });
  const sendAsAnn = (mail: Record<string, unknown>) => endUser().sendMail({ from: `"Ann Example" <${ANN}>`, to: ADDRESS, ...mail });
  const connect = (tenant: TestTenant, over: { address?: string; password?: string; port?: number } = {}) =>
    t.request('POST', '/api/channels', {
      token: tenant.token,
      body: {
        kind: 'email',
        name: 'Support mailbox',
        config: {
          address: over.address ?? ADDRESS,
          smtp: { host: '127.0.0.1', port: over.port ?? sink.port, user: smtpUser, from: 'Acme Support <support@acme.test>' },
        },
        credentials: { smtpPassword: over.password ?? smtpPassword },
      },
    });
  const eventCount = async () => (await db.query(`select count(*)::int as n from inbound_events where channel_id = $1`, [channelId])).rows[0].n as number;
  const conversations = async () =>
    (await t.request('GET', `/api/conversations?channelId=${channelId}&limit=100`, { token: owner.token })).body.items as Array<Record<string, any>>;
  const messagesOf = async (conversationId: string) =>
    (await t.request('GET', `/api/conversations/${conversationId}/messages?limit=100`, { token: owner.token })).body.items as Array<Record<string, any>>;
  const messageByKey = async (key: string) => {
    const { rows } = await db.query(`select id, conversation_id from messages where channel_id = $1 and external_id = $2`, [channelId, key]);
    return rows[0] as { id: string; conversation_id: string } | undefined;
  };
  const download = (tenant: TestTenant, conversationId: string, messageId: string, index: number) =>
    t.app.inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages/${messageId}/attachments/${index}`,
      headers: { authorization: `Bearer ${tenant.token}` },
    });

  beforeAll(async () => {
    sink = await new SmtpSink(smtpUser, smtpPassword).start();
    smtpPort = await freePort();
    t = await TestApp.start({
      SMTP_PORT: String(smtpPort),
      SMTP_HOST: '127.0.0.1',
      SMTP_MAX_MESSAGE_BYTES: String(maxMessageBytes),
      EMAIL_DOMAIN: DOMAIN,
      WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on',
    });
    owner = await t.signup();
    db = await ownerClient('eu');
    const res = await connect(owner);
    expect(res.status).toBe(201);
    channelId = res.body.id;
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
    await sink?.stop();
  });

  describe('connecting a mailbox', () => {
    it("logs in to the Customer's SMTP server once and shows the settings, never the password", async () => {
      expect(sink.logins).toEqual([{ user: smtpUser, ok: true }]);
      const channel = await t.request('GET', `/api/channels/${channelId}`, { token: owner.token });
      expect(channel.body).toMatchObject({
        kind: 'email',
        status: 'active',
        config: { address: ADDRESS, smtp: { host: '127.0.0.1', port: sink.port, user: smtpUser, from: '"Acme Support" <support@acme.test>' } },
      });
      expect(JSON.stringify(channel.body)).not.toContain(smtpPassword);
    });

    it('refuses a wrong password, an unreachable server, an address outside EMAIL_DOMAIN and an address another tenant has', async () => {
      const other = await t.signup();
      const wrong = await connect(other, { address: `other@${DOMAIN}`, password: 'not-the-password' });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ code: 'EMAIL_SMTP_REFUSED', message: expect.stringContaining('535') });
      expect(JSON.stringify(wrong.body)).not.toContain('not-the-password');
      const down = await connect(other, { address: `other@${DOMAIN}`, port: await freePort() });
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('EMAIL_SMTP_UNREACHABLE');
      const outside = await connect(other, { address: 'support@acme.test' });
      expect(outside.status).toBe(400);
      expect(outside.body.message).toContain(`config.address must be an address at ${DOMAIN}`);
      const taken = await connect(other, { address: ADDRESS.toUpperCase() });
      expect(taken.status).toBe(409);
      expect(taken.body.code).toBe('CHANNEL_ALREADY_CONNECTED');
    });
  });

  describe('receiving', () => {
    let firstConversation: string;

    it('turns a mail into a conversation with its sender, stored before the 250', async () => {
      const before = await eventCount();
      const info = await sendAsAnn({ subject: 'Broken order', text: 'My order #123 arrived broken.\n', messageId: '<ann-1@example.test>' });
      expect(info.response).toMatch(/^250 /);
      expect(await eventCount()).toBe(before + 1);
      await t.drainInbound();

      const [conversation] = await conversations();
      firstConversation = conversation.id;
      const [message] = await messagesOf(conversation.id);
      expect(message).toMatchObject({ direction: 'inbound', text: 'My order #123 arrived broken.', externalId: '<ann-1@example.test>', attachments: [] });
      const contact = await t.request('GET', `/api/contacts/${conversation.contactId}`, { token: owner.token });
      expect(contact.body).toMatchObject({ displayName: 'Ann Example', identities: [{ channelKind: 'email', externalId: ANN }] });
    });

    it('refuses unknown recipients at RCPT, never relays, and announces its size limit', async () => {
      const before = await eventCount();
      const { dialog, greeting } = await SmtpDialog.open(smtpPort);
      try {
        expect(greeting.code).toBe(220);
        const ehlo = await dialog.command('EHLO mx.example.test');
        expect(ehlo.code).toBe(250);
        expect(ehlo.text).toContain(`SIZE ${maxMessageBytes}`);
        expect(ehlo.text).not.toMatch(/STARTTLS|AUTH/);
        expect((await dialog.command(`MAIL FROM:<${ANN}>`)).code).toBe(250);
        expect(await dialog.command(`RCPT TO:<nobody@${DOMAIN}>`)).toMatchObject({ code: 550, text: expect.stringContaining('No such recipient') });
        expect(await dialog.command('RCPT TO:<someone@elsewhere.example>')).toMatchObject({ code: 550, text: expect.stringContaining('Relaying denied') });
        expect((await dialog.command(`RCPT TO:<reply+${'a'.repeat(50)}@${DOMAIN}>`)).code).toBe(550);
        expect((await dialog.command('DATA')).code).toBe(503);
        expect((await dialog.command(`RCPT TO:<${ADDRESS.toUpperCase()}>`)).code).toBe(250);
      } finally {
        dialog.close();
      }
      await expect(endUser().sendMail({ from: ANN, to: `nobody@${DOMAIN}`, subject: 'x', text: 'x' })).rejects.toMatchObject({
        responseCode: 550,
        command: 'RCPT TO',
      });
      expect(await eventCount()).toBe(before);
    });

    it('refuses a mail over the size limit with 552 and keeps nothing of it', async () => {
      const before = await eventCount();
      const { dialog } = await SmtpDialog.open(smtpPort);
      try {
        await dialog.command('EHLO mx.example.test');
        expect((await dialog.command(`MAIL FROM:<${ANN}> SIZE=${maxMessageBytes + 1}`)).code).toBe(552);
        expect((await dialog.command(`MAIL FROM:<${ANN}>`)).code).toBe(250);
        expect((await dialog.command(`RCPT TO:<${ADDRESS}>`)).code).toBe(250);
        expect((await dialog.command('DATA')).code).toBe(354);
        const body = (
          randomBytes(maxMessageBytes)
            .toString('base64')
            .match(/.{1,76}/g) ?? []
        ).join('\r\n');
        const reply = await dialog.command(`From: ${ANN}\r\nTo: ${ADDRESS}\r\nSubject: big\r\nMessage-ID: <ann-big@example.test>\r\n\r\n${body}\r\n.`);
        expect(reply.code).toBe(552);
      } finally {
        dialog.close();
      }
      expect(await eventCount()).toBe(before);
    });

    it('accepts a mail whose subject and body hold U+0000 (which PostgreSQL refuses), stored with U+FFFD', async () => {
      // =?utf-8?B?...?= of "Order\u0000 42": the encoded word is how a NUL reaches a header.
      const subject = `=?utf-8?B?${Buffer.from('Order\u0000 42').toString('base64')}?=`;
      const raw = `From: ${ANN}\r\nTo: ${ADDRESS}\r\nSubject: ${subject}\r\nMessage-ID: <ann-nul@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('Where is\u0000 my order?').toString('base64')}\r\n`;
      const { dialog } = await SmtpDialog.open(smtpPort);
      try {
        await dialog.command('EHLO mx.example.test');
        await dialog.command(`MAIL FROM:<${ANN}>`);
        await dialog.command(`RCPT TO:<${ADDRESS}>`);
        expect((await dialog.command('DATA')).code).toBe(354);
        expect((await dialog.command(`${raw}.`)).code).toBe(250);
      } finally {
        dialog.close();
      }
      await t.drainInbound();
      const { rows } = await db.query(
        `select m.text, e.subject from messages m join email_messages e on e.tenant_id = m.tenant_id and e.channel_id = m.channel_id and e.message_key = m.external_id
         where m.channel_id = $1 and m.external_id = '<ann-nul@example.test>'`,
        [channelId],
      );
      expect(rows).toEqual([{ text: expect.stringContaining('Where is\uFFFD my order?'), subject: 'Order\uFFFD 42' }]);
    });

    it('stores a mail sent twice with the same Message-ID once (and one without a Message-ID by its hash)', async () => {
      const mail = { subject: 'Again', text: 'Sent twice by a retrying server', messageId: '<ann-dup@example.test>' };
      await sendAsAnn(mail);
      await sendAsAnn(mail);
      const { rows } = await db.query(`select count(*)::int as n from inbound_events where channel_id = $1 and dedupe_key = 'mail:<ann-dup@example.test>'`, [
        channelId,
      ]);
      expect(rows[0].n).toBe(1);

      const raw = `From: ${ANN}\r\nTo: ${ADDRESS}\r\nSubject: No id\r\nDate: Mon, 06 Jan 2025 10:00:00 +0000\r\n\r\nA mail without a Message-ID\r\n`;
      for (let i = 0; i < 2; i++) {
        const { dialog } = await SmtpDialog.open(smtpPort);
        await dialog.command('EHLO mx.example.test');
        await dialog.command(`MAIL FROM:<${ANN}>`);
        await dialog.command(`RCPT TO:<${ADDRESS}>`);
        expect((await dialog.command('DATA')).code).toBe(354);
        expect((await dialog.command(`${raw}.`)).code).toBe(250);
        dialog.close();
      }
      const hashed = await db.query(`select count(*)::int as n from inbound_events where channel_id = $1 and dedupe_key like 'mail:sha256:%'`, [channelId]);
      expect(hashed.rows[0].n).toBe(1);

      await t.drainInbound();
      const { rows: stored } = await db.query(`select count(*)::int as n from messages where channel_id = $1 and external_id = '<ann-dup@example.test>'`, [
        channelId,
      ]);
      expect(stored[0].n).toBe(1);
    });

    it('answers 451 when it cannot store the mail, so the sender retries', async () => {
      const inbox = t.app.get(InboundInbox);
      const spy = jest.spyOn(inbox, 'accept').mockRejectedValueOnce(new Error('database unavailable'));
      try {
        await expect(sendAsAnn({ subject: 'Retry', text: 'try me later', messageId: '<ann-retry@example.test>' })).rejects.toMatchObject({ responseCode: 451 });
      } finally {
        spy.mockRestore();
      }
      await sendAsAnn({ subject: 'Retry', text: 'try me later', messageId: '<ann-retry@example.test>' });
      const { rows } = await db.query(`select count(*)::int as n from inbound_events where channel_id = $1 and dedupe_key = 'mail:<ann-retry@example.test>'`, [
        channelId,
      ]);
      expect(rows[0].n).toBe(1);
    });

    it("keeps attachments in the tenant's database and serves them as downloads to that tenant only", async () => {
      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(4096)]);
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), randomBytes(512)]);
      await sendAsAnn({
        subject: 'Photos',
        text: 'Invoice and photo attached.',
        messageId: '<ann-attach@example.test>',
        attachments: [
          { filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' },
          { filename: 'photo.png', content: png, contentType: 'image/png' },
        ],
      });
      await t.drainInbound();
      const stored = (await messageByKey('<ann-attach@example.test>'))!;
      const message = (await messagesOf(stored.conversation_id)).find((m) => m.id === stored.id)!;
      expect(message.text).toBe('Invoice and photo attached.');
      expect(message.attachments).toEqual([
        {
          type: 'file',
          mimeType: 'application/pdf',
          name: 'invoice.pdf',
          ref: 'email-part:0',
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          state: 'pending',
        },
        { type: 'image', mimeType: 'image/png', name: 'photo.png', ref: 'email-part:1', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), state: 'pending' },
      ]);

      const got = await download(owner, stored.conversation_id, stored.id, 0);
      expect(got.statusCode).toBe(200);
      expect(got.headers['content-type']).toBe('application/pdf');
      expect(got.headers['content-disposition']).toBe("attachment; filename*=UTF-8''invoice.pdf");
      expect(Buffer.compare(got.rawPayload, pdf)).toBe(0);
      expect(Buffer.compare((await download(owner, stored.conversation_id, stored.id, 1)).rawPayload, png)).toBe(0);
      expect((await download(await t.signup(), stored.conversation_id, stored.id, 0)).statusCode).toBe(404);

      const { rows } = await db.query(
        `select tenant_id, idx, size, mime_type from email_attachments where channel_id = $1 and message_key = '<ann-attach@example.test>' order by idx`,
        [channelId],
      );
      expect(rows).toEqual([
        { tenant_id: owner.tenantId, idx: 0, size: pdf.length, mime_type: 'application/pdf' },
        { tenant_id: owner.tenantId, idx: 1, size: png.length, mime_type: 'image/png' },
      ]);
    });

    afterAll(() => expect(firstConversation).toBeDefined());
  });

  describe('replying and threading', () => {
    let conversationId: string;
    let replyTo: string;
    let ourMessageId: string;

    it("sends the reply through the Customer's SMTP server with a unique Message-ID, the thread and Reply-To reply+token", async () => {
      await sendAsAnn({
        subject: 'Where is my refund?',
        text: 'I returned the parcel a week ago.',
        messageId: '<ann-thread-1@example.test>',
        references: '<older@example.test>',
      });
      await t.drainInbound();
      conversationId = (await messageByKey('<ann-thread-1@example.test>'))!.conversation_id;

      const queued = await t.request('POST', `/api/conversations/${conversationId}/messages`, {
        token: owner.token,
        body: { text: 'Your refund was sent today.' },
      });
      expect(queued.status).toBe(202);
      sink.mails.length = 0;
      await t.drainOutbound();

      expect(sink.mails).toHaveLength(1);
      const [mail] = sink.mails;
      expect(mail).toMatchObject({ user: smtpUser, mailFrom: 'support@acme.test', rcptTo: [ANN] });
      expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'Acme Support', address: 'support@acme.test' });
      expect(mail.parsed.subject).toBe('Re: Where is my refund?');
      expect(mail.parsed.text?.trim()).toBe('Your refund was sent today.');
      expect(mail.parsed.inReplyTo).toBe('<ann-thread-1@example.test>');
      expect(mail.parsed.references).toBe('<ann-thread-1@example.test>');
      ourMessageId = mail.parsed.messageId!;
      expect(ourMessageId).toBe(`<mm.${queued.body.id}@${DOMAIN}>`);
      replyTo = mail.parsed.replyTo!.value[0].address!;
      expect(replyTo).toMatch(new RegExp(`^reply\\+[a-z2-7]{50}@${DOMAIN.replace(/\./g, '\\.')}$`));
      expect(mail.raw).not.toContain(smtpPassword);

      const sent = (await messagesOf(conversationId)).find((m) => m.id === queued.body.id)!;
      expect(sent).toMatchObject({ status: 'sent', externalId: ourMessageId });
    });

    it("puts the End User's answer to reply+token in the same conversation, quoted history stripped and the full text kept", async () => {
      const quoted = `Thanks, received it!\n\nOn Mon, 6 Jan 2025 at 10:00, Acme Support <${replyTo}> wrote:\n> Your refund was sent today.\n`;
      // No In-Reply-To or References: the token alone must thread it.
      await sendAsAnn({ to: replyTo, subject: 'Re: Where is my refund?', text: quoted, messageId: '<ann-thread-2@example.test>' });
      await t.drainInbound();
      const stored = (await messageByKey('<ann-thread-2@example.test>'))!;
      expect(stored.conversation_id).toBe(conversationId);
      const message = (await messagesOf(conversationId)).find((m) => m.id === stored.id)!;
      expect(message.text).toBe('Thanks, received it!');
      expect(message.attachments).toEqual([
        { type: 'file', mimeType: 'text/plain', name: 'full-message.txt', ref: 'email-part:0', sha256: expect.any(String), state: 'pending' },
      ]);
      const full = await download(owner, conversationId, stored.id, 0);
      expect(full.statusCode).toBe(200);
      expect(full.body).toContain('> Your refund was sent today.');
    });

    it('threads a mail to the plain address by In-Reply-To alone, and reopens a resolved conversation', async () => {
      expect((await t.request('PATCH', `/api/conversations/${conversationId}`, { token: owner.token, body: { status: 'resolved' } })).status).toBe(200);
      await sendAsAnn({ subject: 'Re: Where is my refund?', text: 'One more question.', messageId: '<ann-thread-3@example.test>', inReplyTo: ourMessageId });
      await t.drainInbound();
      expect((await messageByKey('<ann-thread-3@example.test>'))!.conversation_id).toBe(conversationId);
      expect((await t.request('GET', `/api/conversations/${conversationId}`, { token: owner.token })).body.status).toBe('open');
    });

    it('starts a new conversation for a new mail without thread headers, and answers it with its own token', async () => {
      await sendAsAnn({ subject: 'Another topic', text: 'Do you ship to Norway?', messageId: '<ann-new@example.test>' });
      await t.drainInbound();
      const other = (await messageByKey('<ann-new@example.test>'))!.conversation_id;
      expect(other).not.toBe(conversationId);

      await t.request('POST', `/api/conversations/${other}/messages`, { token: owner.token, body: { text: 'Yes, we do.' } });
      sink.mails.length = 0;
      await t.drainOutbound();
      expect(sink.mails[0].parsed.subject).toBe('Re: Another topic');
      expect(sink.mails[0].parsed.inReplyTo).toBe('<ann-new@example.test>');
      expect(sink.mails[0].parsed.replyTo!.value[0].address).not.toBe(replyTo);
    });

    it("reports a refused recipient as a failed message with the server's code, and a refused login by revoking the channel", async () => {
      sink.failNext('rcpt', 550, '5.1.1 Mailbox unavailable');
      const failed = await t.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner.token, body: { text: 'Bounce me' } });
      await t.drainOutbound();
      const bounced = (await messagesOf(conversationId)).find((m) => m.id === failed.body.id)!;
      expect(bounced).toMatchObject({ status: 'failed', error: { code: '550', text: expect.stringContaining('Mailbox unavailable') } });

      sink.credentials(smtpUser, 'the-password-was-changed');
      const refused = await t.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner.token, body: { text: 'Login refused' } });
      await t.drainOutbound();
      expect((await messagesOf(conversationId)).find((m) => m.id === refused.body.id)).toMatchObject({ status: 'failed', error: { code: '535' } });
      expect((await t.request('GET', `/api/channels/${channelId}`, { token: owner.token })).body.status).toBe('revoked');
      sink.credentials(smtpUser, smtpPassword);

      // Inbound mail still arrives while the Customer fixes the password.
      await sendAsAnn({ to: replyTo, subject: 'Re: x', text: 'Still there?', messageId: '<ann-thread-4@example.test>' });
      await t.drainInbound();
      expect((await messageByKey('<ann-thread-4@example.test>'))!.conversation_id).toBe(conversationId);
    });

    it("erasing the End User removes their mail's headers, parts and reply tokens too", async () => {
      const contactId = (await t.request('GET', `/api/conversations/${conversationId}`, { token: owner.token })).body.contactId;
      const count = async () =>
        (
          await db.query(
            `select (select count(*) from email_messages where channel_id = $1)::int + (select count(*) from email_attachments where channel_id = $1)::int
                  + (select count(*) from email_threads where channel_id = $1)::int as n`,
            [channelId],
          )
        ).rows[0].n as number;
      expect(await count()).toBeGreaterThan(0);
      expect((await t.request('DELETE', `/api/contacts/${contactId}`, { token: owner.token })).status).toBe(200);
      expect(await count()).toBe(0);
      // Their reply+token address is gone with the conversation: refused at RCPT from now on.
      await expect(endUser().sendMail({ from: ANN, to: replyTo, subject: 'x', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
    });
  });

  describe('STARTTLS', () => {
    let dir: string;
    let tlsApp: TestApp;
    let tlsPort: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mm-smtp-tls-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '2',
          '-subj',
          `/CN=${DOMAIN}`,
        ],
        { stdio: 'ignore' },
      );
      tlsPort = await freePort();
      tlsApp = await TestApp.start({
        SMTP_PORT: String(tlsPort),
        SMTP_HOST: '127.0.0.1',
        EMAIL_DOMAIN: DOMAIN,
        SMTP_TLS_CERT_FILE: join(dir, 'cert.pem'),
        SMTP_TLS_KEY_FILE: join(dir, 'key.pem'),
      });
    });
    afterAll(async () => {
      await tlsApp?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('offers STARTTLS when a certificate is configured, and accepts mail over it', async () => {
      const { dialog } = await SmtpDialog.open(tlsPort);
      expect((await dialog.command('EHLO mx.example.test')).text).toContain('STARTTLS');
      dialog.close();

      const before = await eventCount();
      const client = createTransport({
        host: '127.0.0.1',
        port: tlsPort,
        secure: false,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        name: 'mx.example.test',
      });
      const info = await client.sendMail({ from: ANN, to: ADDRESS, subject: 'Over TLS', text: 'Encrypted in transit', messageId: '<ann-tls@example.test>' });
      expect(info.response).toMatch(/^250 /);
      expect(await eventCount()).toBe(before + 1);
    });
  });
});
