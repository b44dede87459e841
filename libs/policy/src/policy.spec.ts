import { containsCardNumber, luhnValid, replyMode } from './index';

const now = new Date('2026-11-29T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);

describe('replyMode', () => {
  it.each([
    ['messenger', 1, { allowed: true, mode: 'response' }],
    ['messenger', 24, { allowed: true, mode: 'response' }],
    ['messenger', 25, { allowed: true, mode: 'human_agent' }],
    ['instagram', 7 * 24, { allowed: true, mode: 'human_agent' }],
    ['whatsapp', 23.9, { allowed: true, mode: 'standard' }],
    ['telegram', 10_000, { allowed: true, mode: 'standard' }],
  ] as const)('%s after %s h: %o', (kind, h, expected) => {
    expect(replyMode(kind, hoursAgo(h), now)).toEqual(expected);
  });

  it('closes Messenger and Instagram after 7 days', () => {
    expect(replyMode('messenger', hoursAgo(7 * 24 + 1), now)).toMatchObject({ allowed: false, code: 'MESSAGING_WINDOW_CLOSED' });
    expect(replyMode('instagram', null, now)).toMatchObject({ allowed: false, code: 'MESSAGING_WINDOW_CLOSED' });
  });

  it('closes WhatsApp free-form after 24 hours', () => {
    expect(replyMode('whatsapp', hoursAgo(24.01), now)).toMatchObject({ allowed: false, code: 'WHATSAPP_WINDOW_CLOSED' });
  });
});

describe('card numbers', () => {
  it.each(['4111111111111111', '4111 1111 1111 1111', '4111-1111-1111-1111', 'pay with 5500 0000 0000 0004 please', '378282246310005', '6011111111111117'])(
    'finds %s',
    (text) => expect(containsCardNumber(text)).toBe(true),
  );

  it.each(['card ending 1111', '4111111111111112', 'order 1234567890123', 'call +1 415 867 5309', '2026-11-29', '41111111111111111111111'])(
    'lets %s pass',
    (text) => expect(containsCardNumber(text)).toBe(false),
  );

  it('implements Luhn', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
  });
});
