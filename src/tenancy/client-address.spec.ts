import { addressScope } from './client-address';

describe('addressScope', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['', 'unknown'],
    [undefined, 'unknown'],
    ['not an address', 'unknown'],
  ])('%j counts as %j', (ip, scope) => {
    expect(addressScope(ip)).toBe(scope);
  });

  it('puts every address of one IPv6 /64 together, and neighbouring /64s apart', () => {
    expect(addressScope('2001:db8:aa:bb::1')).toBe(addressScope('2001:db8:aa:bb:ffff:ffff:ffff:ffff'));
    expect(addressScope('2001:db8:aa:bb::1')).not.toBe(addressScope('2001:db8:aa:bc::1'));
  });
});
