import { guardedLookup, isPublicAddress, literalAddressAllowed } from './public-address';

describe('public addresses', () => {
  it.each([
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['10.0.0.1', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.0.1', false],
    ['100.64.0.1', false],
    ['169.254.169.254', false],
    ['0.0.0.0', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['::7f00:1', false],
    ['::ffff:0:a00:1', false],
    ['2002:a00:1::1', false],
    ['fe80::1', false],
    ['fc00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['::ffff:7f00:1', false],
    ['64:ff9b::a00:1', false],
    ['not-an-ip', false],
  ])('%s is public: %s', (ip, expected) => expect(isPublicAddress(ip)).toBe(expected));

  it('checks literal addresses at send time', () => {
    expect(literalAddressAllowed(new URL('https://127.0.0.1/x'), false)).toBe(false);
    expect(literalAddressAllowed(new URL('https://127.0.0.1/x'), true)).toBe(true);
    expect(literalAddressAllowed(new URL('https://example.com/x'), false)).toBe(true);
  });

  it('refuses a host name that resolves to a loopback address, unless local targets are allowed', async () => {
    const resolve = (allowLocal: boolean, all: boolean) =>
      new Promise<{ err: Error | null; address: unknown }>((done) => guardedLookup(allowLocal)('localhost', { all }, (err, address) => done({ err, address })));
    expect((await resolve(false, false)).err).toMatchObject({ code: 'NON_PUBLIC_ADDRESS' });
    expect((await resolve(false, true)).err).toMatchObject({ code: 'NON_PUBLIC_ADDRESS' });
    expect((await resolve(true, false)).address).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect((await resolve(true, true)).address).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.any(String) })]));
  });
});
