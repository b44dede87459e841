import { BOT_TOKEN } from '../channels/telegram/telegram-api.client';
import { toE164 } from '../channels/sms/sms.adapter';
import { sandboxAccounts } from './sandbox-accounts';

describe('sandbox accounts', () => {
  it('are the same for the same seed (a restart reconnects them) and differ for another', () => {
    expect(sandboxAccounts('seed-a')).toEqual(sandboxAccounts('seed-a'));
    const [a, b] = [sandboxAccounts('seed-a'), sandboxAccounts('seed-b')];
    for (const key of Object.keys(a) as Array<keyof typeof a>) expect(a[key]).not.toBe(b[key]);
  });

  it('pass the checks the real connect path makes of each platform’s identifiers', () => {
    for (const seed of ['one', 'two', 'three', 'four']) {
      const a = sandboxAccounts(seed);
      expect(a.pageId).toMatch(/^\d{15}$/);
      expect(a.igAccountId).toMatch(/^\d{17}$/);
      expect(a.phoneNumberId).toMatch(/^\d{15}$/);
      expect(a.wabaId).toMatch(/^\d{15}$/);
      expect(a.botToken).toMatch(BOT_TOKEN);
      expect(a.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
      expect(a.authToken).toMatch(/^[\x21-\x7e]{16,128}$/);
      expect(toE164(a.smsNumber)).toBe(a.smsNumber);
      expect(a.mailboxLocalPart).toMatch(/^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/);
    }
  });
});
