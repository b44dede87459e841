import { simpleParser } from 'mailparser';
import { isAutoReply, isListMail, readBounce } from './email-signals';

const parse = (headers: string[], body = 'Hello') => simpleParser([...headers, '', body].join('\r\n'), { skipHtmlToText: true });

describe('automatic replies', () => {
  it.each([
    [['Auto-Submitted: auto-replied'], true],
    [['Auto-Submitted: auto-generated'], true],
    [['Auto-Submitted: no'], false],
    [['Precedence: bulk'], true],
    [['Precedence: auto_reply'], true],
    [['Precedence: list'], false],
    [['X-Autoreply: yes'], true],
    [['Subject: Automatic reply: your order'], true],
    [['Subject: Out of Office: back Monday'], true],
    [['Subject: Out of office chairs, do you sell them?'], false],
    [['Subject: Re: autoreply settings'], false],
  ])('%j -> %s', async (headers, auto) => {
    expect(isAutoReply(await parse(['From: a@example.test', ...headers]))).toBe(auto);
  });
});

describe('list mail', () => {
  it.each([
    [['List-Id: Support <support.lists.example.test>'], true],
    [['List-Unsubscribe: <mailto:leave@example.test>'], true],
    [['Precedence: list'], true],
    [['Precedence: bulk'], false],
    [['Subject: hello'], false],
  ])('%j -> %s', async (headers, list) => {
    expect(isListMail(await parse(['From: a@example.test', ...headers]))).toBe(list);
  });
});

describe('bounces', () => {
  it('are not made of an ordinary mail', async () => {
    expect(readBounce(await parse(['From: a@example.test', 'Subject: hi']), 'a@example.test')).toBeNull();
  });

  it('are a null sender or a mailer daemon, naming the returned message quoted in the text', async () => {
    const mail = await parse(
      ['From: MAILER-DAEMON@mx.example.test', 'Subject: failure notice'],
      'Sorry, I could not deliver.\r\n\r\n--- Below this line is a copy of the message.\r\n\r\nMessage-ID: <mm.1@inbox.test>\r\nSubject: Re: hi',
    );
    expect(readBounce(mail, '')).toEqual({ messageIds: ['<mm.1@inbox.test>'], status: null, reason: 'failure notice', action: 'failed' });
  });

  it('that report a delay or a success are not failures', async () => {
    const report = (action: string) =>
      parse(
        ['From: postmaster@mx.example.test', 'Subject: Delivery Status Notification', 'In-Reply-To: <mm.2@inbox.test>'],
        `Reporting-MTA: dns; mx.example.test\r\n\r\nFinal-Recipient: rfc822; b@example.test\r\nAction: ${action}\r\nStatus: 4.4.7`,
      );
    expect(readBounce(await report('delayed'), '')).toMatchObject({ action: 'delayed', status: '4.4.7', messageIds: ['<mm.2@inbox.test>'] });
    expect(readBounce(await report('delivered'), '')).toBeNull();
  });
});
