import { csatAskText, ratingOf } from './csat';

describe('CSAT', () => {
  it('reads a bare rating, and nothing else, as one', () => {
    for (const [text, rating] of [
      ['4', 4],
      [' 5 ', 5],
      ['1.', 1],
      ['4/5', 4],
      ['3 из 5', 3],
      ['2 out of 5', 2],
      ['4\uFE0F\u20E3', 4],
      ['⭐⭐⭐', 3],
      ['★★★★★', 5],
    ] as const)
      expect([text, ratingOf(text)]).toEqual([text, rating]);
    for (const text of ['0', '6', '10', '45', '4 stars but slow', 'I waited 4 hours', '', null, '⭐⭐⭐⭐⭐⭐', '5/10'])
      expect([text, ratingOf(text)]).toEqual([text, null]);
  });

  it('asks in the chosen language, with one link per rating where links are given', () => {
    expect(csatAskText('ru', null)).toBe('Как вы оцените помощь, которую получили?\nОтветьте цифрой от 1 (плохо) до 5 (отлично).');
    expect(csatAskText('en', 'Did we help?')).toBe('Did we help?\nReply with a number from 1 (poor) to 5 (excellent).');
    const mail = csatAskText('en', null, (r) => `https://x.test/r/${r}`);
    expect(mail).toContain('1 (poor): https://x.test/r/1');
    expect(mail).toContain('5 (excellent): https://x.test/r/5');
  });
});
