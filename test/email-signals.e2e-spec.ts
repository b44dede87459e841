import { randomBytes } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Client } from 'pg';
import { freePort } from '../src/database/embedded-postgres';
import { AutoReplier } from '../src/business-hours/auto-replier.service';
import { CsatService } from '../src/csat/csat.service';
import { SmtpSink } from './fakes/smtp-sink';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const DOMAIN = 'signals.example.test';
const ADDRESS = `help@${DOMAIN}`;

/**
 * E-mail is e-mail: the subject is part of the API, automatic replies are marked and reopen
 * nothing, and a bounce (RFC 3464 delivery status report) fails the message it returns instead of
 * opening a conversation with the mailer daemon.
 */
describe('E-mail subjects, automatic replies and bounces', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;
  let channelId: string;
  let smtpPort: number;
  const smtpUser = 'help@acme.test';
  const smtpPassword = `smtp-${randomBytes(12).toString('hex')}`;

  const mta = () => createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, name: 'mx.example.test' });
  const send = (mail: Record<string, unknown>) => mta().sendMail({ to: ADDRESS, ...mail });
  const sendRaw = (from: string, raw: string) => mta().sendMail({ envelope: { from, to: [ADDRESS] }, raw: raw.replace(/\r?\n/g, '\r\n') });
  const get = async (url: string) => (await t.request('GET', url, { token: owner.token })).body;
  const messagesOf = async (conversationId: string) =>
    (await get(`/api/conversations/${conversationId}/messages?limit=100`)).items as Array<Record<string, any>>;
  const byKey = async (key: string) =>
    (await db.query(`select id, conversation_id from messages where channel_id = $1 and external_id = $2`, [channelId, key])).rows[0] as
      { id: string; conversation_id: string } | undefined;

  /** A customer writes, an agent answers: the conversation and our message's Message-ID. */
  async function exchange(customer: string, subject: string) {
    const theirs = `<${randomBytes(6).toString('hex')}@example.test>`;
    await send({ from: customer, subject, text: 'Hello, a question.', messageId: theirs });
    await t.drainInbound();
    const conversationId = (await byKey(theirs))!.conversation_id;
    const reply = await t.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner.token, body: { text: 'Here is the answer.' } });
    expect(reply.status).toBe(202);
    await t.drainOutbound();
    const ours = (await messagesOf(conversationId)).find((m) => m.id === reply.body.id)!;
    expect(ours.status).toBe('sent');
    return { conversationId, replyId: reply.body.id as string, ourMessageId: ours.externalId as string };
  }

  beforeAll(async () => {
    sink = await new SmtpSink(smtpUser, smtpPassword).start();
    smtpPort = await freePort();
    t = await TestApp.start({ SMTP_PORT: String(smtpPort), SMTP_HOST: '127.0.0.1', EMAIL_DOMAIN: DOMAIN, WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on' });
    owner = await t.signup();
    db = await ownerClient('eu');
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: {
        kind: 'email',
        name: 'Help desk',
        config: { address: ADDRESS, smtp: { host: '127.0.0.1', port: sink.port, user: smtpUser, from: `Acme Help <${smtpUser}>` } },
        credentials: { smtpPassword },
      },
    });
    expect(res.status).toBe(201);
    channelId = res.body.id;
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
    await sink?.stop();
  });

  it("shows the subject on the message and on its conversation (the contact's latest), in the list too", async () => {
    const { conversationId } = await exchange('carol@example.test', 'Invoice 2291 is wrong');
    const [reply, question] = await messagesOf(conversationId);
    expect(question).toMatchObject({ direction: 'inbound', subject: 'Invoice 2291 is wrong', autoReply: false });
    expect(reply).toMatchObject({ direction: 'outbound', subject: null });
    expect(await get(`/api/conversations/${conversationId}`)).toMatchObject({ subject: 'Invoice 2291 is wrong' });

    await send({
      from: 'carol@example.test',
      subject: 'Re: Invoice 2291 is wrong (and 2292)',
      text: 'Also 2292.',
      inReplyTo: (await messagesOf(conversationId))[0].externalId,
    });
    await t.drainInbound();
    const listed = (await get(`/api/conversations?channelId=${channelId}&limit=100`)).items.find((c: { id: string }) => c.id === conversationId);
    expect(listed.subject).toBe('Re: Invoice 2291 is wrong (and 2292)');
  });

  it('marks an automatic reply, which neither reopens its conversation nor counts as the contact writing, nor notifies an agent', async () => {
    const { conversationId, ourMessageId } = await exchange('dave@example.test', 'Opening hours');
    expect((await t.request('PATCH', `/api/conversations/${conversationId}`, { token: owner.token, body: { status: 'resolved' } })).status).toBe(200);
    const before = await get(`/api/conversations/${conversationId}`);
    const notificationsBefore = (await get('/api/notifications')).items.length;

    await send({
      from: 'dave@example.test',
      subject: 'Out of office: Re: Opening hours',
      text: 'I am away until Monday.',
      inReplyTo: ourMessageId,
      messageId: '<vacation-1@example.test>',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    // A responder with only Precedence, and no thread headers: it still joins the contact's conversation.
    await send({
      from: 'dave@example.test',
      subject: 'Thank you for your message',
      text: 'We received your e-mail.',
      messageId: '<vacation-2@example.test>',
      headers: { Precedence: 'auto_reply' },
    });
    await t.drainInbound();

    for (const key of ['<vacation-1@example.test>', '<vacation-2@example.test>']) expect((await byKey(key))!.conversation_id).toBe(conversationId);
    const after = await get(`/api/conversations/${conversationId}`);
    expect(after.status).toBe('resolved');
    expect(after.lastInboundAt).toBe(before.lastInboundAt);
    const auto = (await messagesOf(conversationId)).filter((m) => m.autoReply);
    expect(auto.map((m) => m.text).sort()).toEqual(['I am away until Monday.', 'We received your e-mail.']);
    expect((await get('/api/notifications')).items.length).toBe(notificationsBefore);

    // An automatic reply from someone the inbox never wrote with opens nothing either.
    await send({ from: 'erin@example.test', subject: 'Automatic reply: newsletter', text: 'Away.', messageId: '<vacation-3@example.test>' });
    await t.drainInbound();
    expect((await get(`/api/conversations/${(await byKey('<vacation-3@example.test>'))!.conversation_id}`)).status).toBe('resolved');
  });

  it('marks our automatic mails Auto-Submitted (RFC 3834), and answers no automatic nor list mail automatically', async () => {
    // Closed around the clock: every mail a person writes gets the out-of-office reply.
    const hours = await t.request('POST', '/api/business-hours', {
      token: owner.token,
      body: { channelId, timeZone: 'UTC', weekly: [], outOfOfficeReply: 'We are closed; we answer tomorrow.' },
    });
    expect(hours.status).toBe(201);
    await t.request('PUT', `/api/csat/settings/${channelId}`, { token: owner.token, body: { enabled: true } });
    const mailsTo = (address: string) => sink.mails.filter((m) => m.rcptTo.includes(address)).map((m) => m.parsed);
    const deliver = async () => {
      await t.drainInbound();
      await t.app.get(AutoReplier).settled();
      await t.drainOutbound();
    };
    try {
      await send({ from: 'gina@example.test', subject: 'Refund', text: 'Where is my refund?', messageId: '<gina-1@example.test>' });
      await send({
        from: 'hank@example.test',
        subject: 'Ticket received',
        text: 'Your request #12 was received.',
        messageId: '<hank-1@example.test>',
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      await send({
        from: 'ivan@example.test',
        subject: 'Question from the list',
        text: 'Does the shop ship to Kazan?',
        messageId: '<ivan-1@example.test>',
        headers: { 'List-Id': 'Customers <customers.lists.example.test>', 'List-Unsubscribe': '<mailto:leave@lists.example.test>' },
      });
      await deliver();
      const [ooo] = mailsTo('gina@example.test');
      expect(ooo.text?.trim()).toBe('We are closed; we answer tomorrow.');
      expect(ooo.headers.get('auto-submitted')).toBe('auto-replied');
      expect(ooo.headers.get('x-auto-response-suppress')).toBe('All');
      expect(mailsTo('hank@example.test')).toEqual([]);
      expect(mailsTo('ivan@example.test')).toEqual([]);
      // The list mail is a person's question all the same: an open conversation.
      expect((await get(`/api/conversations/${(await byKey('<ivan-1@example.test>'))!.conversation_id}`)).status).toBe('open');

      // A person's reply is not marked; the satisfaction survey after resolving is.
      const conversationId = (await byKey('<gina-1@example.test>'))!.conversation_id;
      await t.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner.token, body: { text: 'Sent it today.' } });
      await t.request('PATCH', `/api/conversations/${conversationId}`, { token: owner.token, body: { status: 'resolved' } });
      await t.app.get(CsatService).settled();
      await deliver();
      const [, reply, survey] = mailsTo('gina@example.test');
      expect(reply.text?.trim()).toBe('Sent it today.');
      expect(reply.headers.has('auto-submitted')).toBe(false);
      expect(survey.text).toContain('Reply with a number from 1 (poor) to 5 (excellent).');
      expect(survey.headers.get('auto-submitted')).toBe('auto-replied');
      // Answering the survey mail with a bare number rates it, and the conversation stays resolved.
      await send({ from: 'gina@example.test', subject: 'Re: Refund', text: '5', inReplyTo: survey.messageId, messageId: '<gina-2@example.test>' });
      await t.drainInbound();
      expect((await byKey('<gina-2@example.test>'))!.conversation_id).toBe(conversationId);
      expect((await get(`/api/conversations/${conversationId}`)).status).toBe('resolved');
      const rated = await db.query(`select rating, answered_via from csat_surveys where conversation_id = $1`, [conversationId]);
      expect(rated.rows).toEqual([{ rating: 5, answered_via: 'reply' }]);
    } finally {
      await t.request('DELETE', `/api/business-hours/${hours.body.id}`, { token: owner.token });
      await t.request('PUT', `/api/csat/settings/${channelId}`, { token: owner.token, body: { enabled: false } });
    }
  });

  it('fails the message a bounce returns, with the status and the reason, and opens no conversation with the mailer daemon', async () => {
    const { conversationId, replyId, ourMessageId } = await exchange('frank@example.test', 'Order 77');
    const conversationsBefore = (await get(`/api/conversations?channelId=${channelId}&limit=100`)).items.length;
    const boundary = 'dsn-boundary-1';
    await sendRaw(
      '',
      [
        'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.test>',
        `To: ${smtpUser}`,
        'Subject: Undelivered Mail Returned to Sender',
        'Message-ID: <dsn-1@mx.example.test>',
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Your message could not be delivered to frank@example.test.',
        `--${boundary}`,
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.test',
        '',
        'Final-Recipient: rfc822; frank@example.test',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <frank@example.test>: Recipient address rejected:',
        ' User unknown in virtual mailbox table',
        `--${boundary}`,
        'Content-Type: text/rfc822-headers',
        '',
        `From: Acme Help <${smtpUser}>`,
        'To: frank@example.test',
        'Subject: Re: Order 77',
        `Message-ID: ${ourMessageId}`,
        '',
        `--${boundary}--`,
        '',
      ].join('\n'),
    );
    await t.drainInbound();
    const failed = (await messagesOf(conversationId)).find((m) => m.id === replyId)!;
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'SMTP 5.1.1', text: '550 5.1.1 <frank@example.test>: Recipient address rejected: User unknown in virtual mailbox table' },
    });
    expect((await get(`/api/conversations?channelId=${channelId}&limit=100`)).items.length).toBe(conversationsBefore);
    expect(await byKey('<dsn-1@mx.example.test>')).toBeUndefined();
    const { rows } = await db.query(`select state from inbound_events where channel_id = $1 and strpos(payload::text, 'dsn-1') > 0`, [channelId]);
    expect(rows).toEqual([{ state: 'done' }]);
    const contacts = await db.query(`select 1 from contact_identities where channel_id = $1 and external_id ilike 'mailer-daemon%'`, [channelId]);
    expect(contacts.rows).toEqual([]);
  });
});
