import { inspect } from 'node:util';
import { KeyRing, KeyRingError } from './index';

const key = (byte: number, length = 32) => Buffer.alloc(length, byte).toString('base64');

describe('KeyRing.parse', () => {
  it('reads kid:base64key entries, newest last', () => {
    const ring = KeyRing.parse(` k1:${key(1)} ,\n2026-q3_b:${key(2)}`);
    expect(ring.newest).toBe('2026-q3_b');
    expect(ring.kids).toEqual(['k1', '2026-q3_b']);
    expect(ring.has('k1')).toBe(true);
    expect(ring.has('k3')).toBe(false);
  });

  it('accepts what generateKey produces', () => {
    const a = KeyRing.generateKey('a');
    const b = KeyRing.generateKey('b');
    expect(a).toMatch(/^a:[A-Za-z0-9+/]{43}=$/);
    expect(a.slice(2)).not.toBe(b.slice(2));
    expect(KeyRing.parse(`${a},${b}`).newest).toBe('b');
    expect(() => KeyRing.generateKey('not.valid')).toThrow(KeyRingError);
  });

  const secret = key(7); // must never appear in an error message
  const short = key(7, 31);
  const long = key(7, 33);
  it.each([
    ['empty', '', /empty/],
    ['blank', '  ', /empty/],
    ['31-byte key', `k1:${short}`, /entry 1.*32 bytes, got 31/],
    ['33-byte key', `k1:${long}`, /entry 1.*32 bytes, got 33/],
    ['not base64', `k1:${secret.slice(0, -2)}!=`, /entry 1.*base64/],
    ['unpadded base64', `k1:${secret.replace('=', '')}`, /entry 1.*base64/],
    ['empty key', 'k1:', /entry 1.*base64/],
    ['no colon', `${secret}`, /entry 1 is not of the form kid:base64key/],
    ['empty kid', `:${secret}`, /entry 1: key id/],
    ['kid too long', `${'k'.repeat(33)}:${secret}`, /entry 1: key id/],
    ['kid with a dot', `k.1:${secret}`, /entry 1: key id/],
    ['key and kid swapped', `${secret}:k1`, /entry 1: key id/],
    ['duplicate kid', `k1:${key(1)},k2:${key(2)},k1:${secret}`, /entry 3: duplicate key id "k1"/],
    ['trailing comma', `k1:${secret},`, /entry 2 is not of the form/],
  ])('rejects %s', (_name, raw, message) => {
    let error: unknown;
    try {
      KeyRing.parse(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyRingError);
    const text = String((error as Error).message);
    expect(text).toMatch(message);
    for (const material of [secret, secret.slice(0, 20), short, long]) expect(text).not.toContain(material);
  });

  it('rejects undefined (variable not set)', () => {
    expect(() => KeyRing.parse(undefined)).toThrow(/MM_MASTER_KEYS is empty/);
  });

  it('does not show key material when logged or serialized', () => {
    const entry = KeyRing.generateKey('k1');
    const material = entry.slice(3);
    const ring = KeyRing.parse(entry);
    expect(inspect(ring, { showHidden: true, depth: 5 })).not.toContain(material);
    expect(JSON.stringify(ring)).not.toContain(material);
    expect(Object.values(ring).join()).not.toContain(material);
  });
});
