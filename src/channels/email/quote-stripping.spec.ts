import { stripQuotedHistory } from './quote-stripping';

describe('stripQuotedHistory', () => {
  it('cuts at a Gmail/Apple attribution line, even one wrapped over two lines', () => {
    const body =
      'Yes, Tuesday works.\n\nThanks,\nAnn\n\nOn Mon, 6 Jan 2025 at 10:00, Acme Support <\nreply+abc@mm.example> wrote:\n> When can we come by?\n> Acme';
    expect(stripQuotedHistory(body)).toEqual({ text: 'Yes, Tuesday works.\n\nThanks,\nAnn', stripped: true });
    expect(stripQuotedHistory('Ja, gerne.\r\n\r\nAm 06.01.2025 um 10:00 schrieb Acme <a@b.de>:\r\n> Passt Dienstag?').text).toBe('Ja, gerne.');
    expect(stripQuotedHistory('Oui.\n\nLe lun. 6 janv. 2025 à 10:00, Acme <a@b.fr> a écrit :\n> Mardi ?').text).toBe('Oui.');
  });

  it('cuts at an Outlook header block with its rule, and at "Original Message" separators', () => {
    const outlook =
      'Works for me.\n\n________________________________\nFrom: Acme Support <support@acme.test>\nSent: Monday, January 6, 2025 10:00 AM\nTo: Ann <ann@example.test>\nSubject: Visit\n\nWhen can we come by?';
    expect(stripQuotedHistory(outlook)).toEqual({ text: 'Works for me.', stripped: true });
    expect(stripQuotedHistory('Fine.\n\n-----Original Message-----\nFrom: x\nold').text).toBe('Fine.');
    expect(stripQuotedHistory('Fine.\n-------- Original message --------\nold').text).toBe('Fine.');
  });

  it('drops leading and trailing > blocks but keeps an interleaved reply', () => {
    expect(stripQuotedHistory('New text\n\n> old 1\n> old 2\n').text).toBe('New text');
    expect(stripQuotedHistory('> old question\n\nMy answer').text).toBe('My answer');
    const inline = '> Can you do Tuesday?\nYes.\n> And bring the form?\nI will.';
    expect(stripQuotedHistory(inline).text).toBe('Yes.\n> And bring the form?\nI will.');
  });

  it('leaves plain text, a "From:" in prose and forwarded mail alone', () => {
    expect(stripQuotedHistory('Hello,\nmy order #123 has not arrived.\n')).toEqual({ text: 'Hello,\nmy order #123 has not arrived.', stripped: false });
    expect(stripQuotedHistory('From: the warehouse, nothing yet.\nStill waiting.').stripped).toBe(false);
    const fwd =
      'See below.\n\n---------- Forwarded message ---------\nFrom: Shop <shop@x.test>\nDate: Mon\nSubject: Order\nTo: ann@example.test\n\nYour order shipped.';
    expect(stripQuotedHistory(fwd).text).toContain('Your order shipped.');
    expect(stripQuotedHistory('On time delivery matters to me.').stripped).toBe(false);
  });

  it('keeps the whole text when everything is quoted', () => {
    expect(stripQuotedHistory('> only a quote\n> nothing new')).toEqual({ text: '> only a quote\n> nothing new', stripped: false });
  });
});
