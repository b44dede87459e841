import { displayPrefix, hashToken, mintToken, tenantOfToken } from './opaque-token';

describe('opaque tokens', () => {
  const tenant = '0b7c4a1e-9f3d-4c2b-8a11-23456789abcd';
  it('carry their tenant and differ every time', () => {
    const a = mintToken('mmr_', tenant);
    const b = mintToken('mmr_', tenant);
    expect(a).not.toBe(b);
    expect(tenantOfToken('mmr_', a)).toBe(tenant);
    expect(tenantOfToken('mm_', a)).toBeNull();
    expect(displayPrefix(a, 'mmr_')).toHaveLength(12);
    expect(hashToken(a)).toHaveLength(32);
  });
  it.each([null, 42, '', 'mmr_', 'mmr_' + 'x'.repeat(64), 'mmr_' + '!'.repeat(65), 'mmr_' + 'A'.repeat(43) + 'A'.repeat(21) + '=', { a: 1 }])(
    'refuse %p',
    (bad) => expect(tenantOfToken('mmr_', bad)).toBeNull(),
  );
});
