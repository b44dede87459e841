import { type ListRow, isoInstant, listRowJson } from './list-row-json';

describe('isoInstant', () => {
  it.each([
    ['2026-12-03 09:51:32+00', '2026-12-03T09:51:32.000Z'],
    ['2026-12-03 09:51:32.1+00', '2026-12-03T09:51:32.100Z'],
    ['2026-12-03 09:51:32.12+00', '2026-12-03T09:51:32.120Z'],
    ['2026-12-03 09:51:32.123+00', '2026-12-03T09:51:32.123Z'],
    ['2026-12-03 09:51:32.123456+00', '2026-12-03T09:51:32.123Z'],
    // Sessions in another zone: the same instant, in UTC.
    ['2026-12-03 15:21:32.5+05:30', '2026-12-03T09:51:32.500Z'],
    ['2026-12-03 01:51:32-08', '2026-12-03T09:51:32.000Z'],
    ['2027-01-01 02:00:00+03', '2026-12-31T23:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(isoInstant(text)).toBe(iso);
    expect(isoInstant(text)).toBe(new Date(iso).toISOString());
  });

  it('answers null for an instant a Date cannot hold', () => {
    expect(isoInstant('infinity')).toBeNull();
    expect(isoInstant('-infinity')).toBeNull();
  });
});

describe('listRowJson', () => {
  const row = (over: Partial<Record<number, string | null>> = {}): ListRow => {
    const r: ListRow = [
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
      'open',
      null,
      null,
      null,
      '2026-12-04 00:00:00+00',
      '2026-12-03 09:51:32.5+00',
      null,
      '{"tier": "gold", "n": 2}',
      '2026-12-01 00:00:00+00',
      '2026-12-03 09:51:32.5+00',
      null,
      null,
      null,
      null,
      null,
      '0',
      '[]',
      null,
    ];
    for (const [i, v] of Object.entries(over)) r[Number(i)] = v as never;
    return r;
  };

  it('is valid JSON with the documented keys in order, nulls where values are missing', () => {
    const out = JSON.parse(listRowJson(row()));
    expect(Object.keys(out)).toEqual([
      'id',
      'contactId',
      'channelId',
      'status',
      'assigneeId',
      'teamId',
      'priority',
      'snoozedUntil',
      'lastMessageAt',
      'lastInboundAt',
      'customAttributes',
      'createdAt',
      'updatedAt',
      'contact',
      'lastMessage',
      'subject',
      'unreadCount',
      'labels',
      'crm',
    ]);
    expect(out).toMatchObject({
      snoozedUntil: null,
      lastInboundAt: null,
      lastMessage: null,
      contact: { displayName: null },
      customAttributes: { tier: 'gold', n: 2 },
    });
  });

  it('escapes whatever text the row holds and keeps a snooze deadline only while snoozed', () => {
    const hostile = 'Zoë "q" \\ \n\t\u0000\u2028 😀 </script>';
    const out = JSON.parse(
      listRowJson(
        row({ 3: 'snoozed', 13: hostile, 14: 'outbound', 15: hostile, 16: '2026-12-03 09:51:32.5+00', 17: hostile, 18: '7', 20: '{"linkedClients": 1}' }),
      ),
    );
    expect(out).toMatchObject({
      status: 'snoozed',
      snoozedUntil: '2026-12-04T00:00:00.000Z',
      contact: { displayName: hostile },
      lastMessage: { direction: 'outbound', text: hostile, at: '2026-12-03T09:51:32.500Z' },
      subject: hostile,
      unreadCount: 7,
      crm: { linkedClients: 1 },
    });
  });
});
