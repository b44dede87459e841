import { randomUUID } from 'node:crypto';
import { parseFrom, validateEmailChannel } from './email.adapter';
import { classifySmtpError } from './email.gateway';
import { mapEmailPayload } from './email.mapper';
import { channelOfReplyToken, messageIdsOf, newReplyToken, referencesFor, replySubject, replyTokenOf } from './email-threading';

describe('reply tokens', () => {
  it('carry their channel, are unguessable, lower-case and fit a local part', () => {
    const channel = randomUUID();
    const a = newReplyToken(channel);
    const b = newReplyToken(channel);
    expect(a).toMatch(/^[a-z2-7]{50}$/);
    expect(a).not.toBe(b);
    expect(a.slice(0, 26)).toBe(b.slice(0, 26));
    expect(channelOfReplyToken(a)).toBe(channel);
    expect(`reply+${a}`.length).toBeLessThanOrEqual(64);
  });

  it('are read from reply+<token>@EMAIL_DOMAIN only, whatever the case', () => {
    const token = newReplyToken(randomUUID());
    expect(replyTokenOf(`reply+${token}@mm.example`, 'mm.example')).toBe(token);
    expect(replyTokenOf(`REPLY+${token.toUpperCase()}@MM.Example`, 'mm.example')).toBe(token);
    expect(replyTokenOf(`reply+${token}@other.example`, 'mm.example')).toBeNull();
    expect(replyTokenOf(`reply+${token.slice(1)}@mm.example`, 'mm.example')).toBeNull();
    expect(replyTokenOf('support@mm.example', 'mm.example')).toBeNull();
  });
});

describe('Message-IDs and subjects', () => {
  it('reads ids from headers as mailparser gives them, and trims long References in the middle', () => {
    expect(messageIdsOf('<a@x> <b@y>')).toEqual(['<a@x>', '<b@y>']);
    expect(messageIdsOf(['<a@x>', ' <b@y> '])).toEqual(['<a@x>', '<b@y>']);
    expect(messageIdsOf('bare@id')).toEqual(['<bare@id>']);
    expect(messageIdsOf(undefined)).toEqual([]);
    const ids = Array.from({ length: 30 }, (_, i) => `<m${i}@x>`);
    const refs = referencesFor(ids);
    expect(refs).toHaveLength(20);
    expect(refs[0]).toBe('<m0@x>');
    expect(refs[19]).toBe('<m29@x>');
    expect(referencesFor(['sha256:abc', '<a@x>', '<a@x>'])).toEqual(['<a@x>']);
  });

  it('answers "Re: <subject>" without piling up prefixes or header breaks', () => {
    expect(replySubject('Broken order')).toBe('Re: Broken order');
    expect(replySubject('RE: Re: AW: Broken order')).toBe('Re: Broken order');
    expect(replySubject('Fwd: Invoice')).toBe('Re: Fwd: Invoice');
    expect(replySubject('a\r\nBcc: x@y')).toBe('Re: a Bcc: x@y');
    expect(replySubject(null)).toBe('Re: (no subject)');
  });
});

describe('e-mail mapper', () => {
  const base = {
    emailMessageKey: '<m1@x>',
    from: 'ann@example.test',
    fromName: 'Ann',
    subject: 'Hi',
    text: 'hello',
    attachments: [],
    inReplyTo: '<p@x>',
    references: ['<r0@x>', '<p@x>'],
    conversationId: null,
    receivedAt: '2025-01-02T03:04:05.000Z',
  };

  it('threads by token, then by the ids answered (In-Reply-To first, then References newest first)', () => {
    const conversationId = randomUUID();
    const [e] = mapEmailPayload({ ...base, conversationId });
    expect(e).toEqual({
      type: 'message',
      message: {
        externalContactId: 'ann@example.test',
        contactName: 'Ann',
        externalMessageId: '<m1@x>',
        text: 'hello',
        attachments: [],
        sentAt: new Date('2025-01-02T03:04:05.000Z'),
        replyToExternalId: '<p@x>',
        subject: 'Hi',
        thread: { conversationId, externalIds: ['<p@x>', '<r0@x>'] },
      },
    });
    expect((mapEmailPayload({ ...base, conversationId: 'not-a-uuid' })[0] as any).message.thread.conversationId).toBeNull();
    expect(mapEmailPayload({ ...base, from: '' })[0].type).toBe('ignored');
  });
});

describe('e-mail channel settings and SMTP errors', () => {
  const smtp = { host: 'smtp.acme.test', port: 587, user: 'support@acme.test', from: 'Acme Support <support@acme.test>' };

  it('requires the address at EMAIL_DOMAIN, lower-cases it as the routing key, and checks the SMTP fields', () => {
    const ok = validateEmailChannel('mm.example', { address: 'Support-Acme@MM.example', smtp }, { smtpPassword: 'pw' });
    expect(ok).toEqual({
      config: { address: 'support-acme@mm.example', smtp: { ...smtp, from: '"Acme Support" <support@acme.test>' } },
      credentials: { smtpPassword: 'pw' },
      routingKey: 'support-acme@mm.example',
    });
    const problems = (config: Record<string, unknown>, credentials: Record<string, unknown> = { smtpPassword: 'pw' }) => {
      try {
        validateEmailChannel('mm.example', config, credentials);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ address: 'support@acme.test', smtp })).toContain('config.address must be an address at mm.example');
    expect(problems({ address: 'reply@mm.example', smtp })).toContain('reserved name');
    expect(problems({ address: 'a+b@mm.example', smtp })).toContain('config.address must be letters');
    expect(problems({ address: 'a@mm.example', smtp: { ...smtp, port: 0 } })).toContain('config.smtp.port');
    expect(problems({ address: 'a@mm.example', smtp: { ...smtp, from: 'x@y.test\r\nBcc: z@z.test' } })).toContain('config.smtp.from');
    expect(problems({ address: 'a@mm.example', smtp: { ...smtp, tls: true } })).toContain('config.smtp.tls is not a field');
    expect(problems({ address: 'a@mm.example', smtp }, {})).toContain('credentials.smtpPassword is missing');
    expect(parseFrom('"Acme" <a@b.test>')).toBe('"Acme" <a@b.test>');
    expect(parseFrom('a@b.test, c@d.test')).toBeNull();
  });

  it('sorts SMTP replies: 535 -> revoked, 4xx and network -> retryable, 5xx -> permanent', () => {
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication failed' })).toMatchObject({
      kind: 'revoked',
      platformCode: '535',
      platformText: '535 5.7.8 Authentication failed',
    });
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 534, response: '534 5.7.9 Application-specific password required' }).kind).toBe('revoked');
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 Try later' }).kind).toBe('retryable');
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 Mailbox unavailable' })).toMatchObject({
      kind: 'permanent',
      platformCode: '550',
    });
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' })).toMatchObject({ kind: 'retryable', platformCode: 'ECONNECTION' });
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'Greeting never received' }).kind).toBe('retryable');
  });
});
