import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it.each([
    ['off', false],
    ['', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.5', ['10.0.0.5']],
    ['loopback, 10.0.0.0/8 ,fd00::/8', ['loopback', '10.0.0.0/8', 'fd00::/8']],
    ['2001:db8::1', ['2001:db8::1']],
  ])('reads %j', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
  });

  it.each([
    ['on', /any client choose its own address/],
    ['true', /any client choose its own address/],
    ['*', /any client choose its own address/],
    ['11', /at most 10 proxy hops/],
    ['10.0.0.0/33', /"10.0.0.0\/33"/],
    ['proxy.internal', /"proxy.internal"/],
    ['10.0.0.1/8/1', /"10.0.0.1\/8\/1"/],
    [',', /an empty list/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseTrustProxy(raw)).toThrow(message);
  });
});
