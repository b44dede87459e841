import { normalizePhone, regionCountry } from './phone';

describe('normalizePhone', () => {
  it.each([
    ['+7 (912) 345-67-89', undefined, '+79123456789'],
    ['8 912 345 67 89', 'RU', '+79123456789'],
    ['79123456789', undefined, '+79123456789'],
    ['0044 20 7946 0958', undefined, '+442079460958'],
    ['+1 (415) 555-2671', undefined, '+14155552671'],
    ['  +44.20.7946.0958 ', undefined, '+442079460958'],
  ] as const)('%s (%s) is %s', (input, country, e164) => {
    expect(normalizePhone(input, country)).toBe(e164);
  });

  it.each(['', '12', '8 912 345 67 89', 'call me', '+7 912 345 67 89 ext. 5', '+'.padEnd(60, '1'), '+0 123 456 789'])(
    'refuses %j without a country',
    (input) => {
      expect(normalizePhone(input)).toBeNull();
    },
  );

  it('knows the national format of a Russian tenant only', () => {
    expect(regionCountry('ru')).toBe('RU');
    expect(regionCountry('eu')).toBeUndefined();
  });
});
