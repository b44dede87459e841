import { DecryptionError, KeyRing, SecretBox } from './index';

const k1 = KeyRing.generateKey('k1');
const k2 = KeyRing.generateKey('k2');
const box = (...entries: string[]) => new SecretBox(KeyRing.parse(entries.join(',')));
const ctx = { tenantId: 'tenant-a', channelId: 'channel-1' };
const token = 'EAAG-platform-token-0123456789';

/** Runs `fn` and returns the DecryptionError it must throw. */
function failure(fn: () => unknown): DecryptionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecryptionError) return e;
    throw e;
  }
  throw new Error('expected a DecryptionError');
}

describe('SecretBox', () => {
  const sb = box(k1);

  it('round-trips strings and bytes', () => {
    const ct = sb.encrypt(token, ctx);
    expect(sb.decryptString(ct, ctx)).toBe(token);
    const bytes = Buffer.from([0, 1, 2, 255]);
    expect(sb.decrypt(sb.encrypt(bytes, ctx), ctx)).toEqual(bytes);
    expect(bytes).toEqual(Buffer.from([0, 1, 2, 255])); // the caller's buffer is left alone
    expect(sb.decryptString(sb.encrypt('', ctx), ctx)).toBe('');
    expect(sb.decryptString(sb.encrypt('clé ✓ 🔑', ctx), ctx)).toBe('clé ✓ 🔑');
  });

  it('round-trips a 1 MiB payload', () => {
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    expect(sb.decrypt(sb.encrypt(big, ctx), ctx).equals(big)).toBe(true);
  });

  it('writes v1.<kid>.<wrapped key>.<payload>', () => {
    const ct = sb.encrypt(token, ctx);
    expect(ct).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{80}\.[A-Za-z0-9_-]+$/);
    const payload = Buffer.from(ct.split('.')[3], 'base64url');
    expect(payload.length).toBe(12 + Buffer.byteLength(token) + 16);
    expect(ct).not.toContain(Buffer.from(token).toString('base64url').slice(0, 8));
  });

  it('never produces the same ciphertext twice', () => {
    const cts = Array.from({ length: 50 }, () => sb.encrypt(token, ctx));
    expect(new Set(cts).size).toBe(50);
    expect(new Set(cts.map((c) => c.split('.')[2])).size).toBe(50);
    expect(new Set(cts.map((c) => c.split('.')[3])).size).toBe(50);
  });

  describe('tampering', () => {
    const ct = sb.encrypt(token, ctx);
    const fields = ct.split('.');

    it.each([2, 3])('rejects every single bit flipped in decoded field %i', (index) => {
      const bytes = Buffer.from(fields[index], 'base64url');
      let tried = 0;
      for (let i = 0; i < bytes.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const tampered = Buffer.from(bytes);
          tampered[i] ^= 1 << bit;
          const copy = [...fields];
          copy[index] = tampered.toString('base64url');
          expect(failure(() => sb.decrypt(copy.join('.'), ctx)).reason).toBe('authentication_failed');
          tried++;
        }
      }
      expect(tried).toBe(bytes.length * 8);
    });

    it('rejects every single character of the string changed', () => {
      for (let i = 0; i < ct.length; i++) {
        for (const flip of [1, 2, 32]) {
          const changed = String.fromCharCode(ct.charCodeAt(i) ^ flip);
          const tampered = ct.slice(0, i) + changed + ct.slice(i + 1);
          const e = failure(() => sb.decrypt(tampered, ctx));
          expect(e.message).not.toContain(token);
        }
      }
    });

    it('rejects a truncated or extended ciphertext', () => {
      const bytes = Buffer.from(fields[3], 'base64url');
      const shorter = [...fields.slice(0, 3), bytes.subarray(0, -1).toString('base64url')].join('.');
      const longer = [...fields.slice(0, 3), Buffer.concat([bytes, Buffer.from([0])]).toString('base64url')].join('.');
      expect(failure(() => sb.decrypt(shorter, ctx)).reason).toBe('authentication_failed');
      expect(failure(() => sb.decrypt(longer, ctx)).reason).toBe('authentication_failed');
      expect(failure(() => sb.decrypt(ct.slice(0, -1), ctx)).reason).toBe('malformed'); // non-canonical base64url
    });

    it('rejects a wrapped key spliced from another ciphertext of the same context', () => {
      const other = sb.encrypt(token, ctx).split('.');
      expect(failure(() => sb.decrypt([fields[0], fields[1], other[2], fields[3]].join('.'), ctx)).reason).toBe('authentication_failed');
    });

    it.each([
      ['empty', ''],
      ['garbage', 'not a ciphertext'],
      ['too few fields', 'v1.k1.AAAA'],
      ['too many fields', `${ct}.AAAA`],
      ['bad kid', ct.replace('.k1.', '.k!1.')],
      ['short wrapped key', ct.replace(fields[2], fields[2].slice(0, 40))],
      ['short payload', ct.replace(fields[3], 'AAAA')],
      ['non-base64url characters', ct.replace(fields[3], `${fields[3].slice(0, -4)}+/==`)],
    ])('rejects malformed input: %s', (_name, input) => {
      expect(failure(() => sb.decrypt(input, ctx)).reason).toBe('malformed');
    });

    it('rejects a non-string', () => {
      expect(failure(() => sb.decrypt(42 as unknown as string, ctx)).reason).toBe('malformed');
    });

    it('rejects another version', () => {
      expect(failure(() => sb.decrypt(ct.replace(/^v1/, 'v2'), ctx)).reason).toBe('unsupported_version');
    });
  });

  describe('context binding', () => {
    const ct = sb.encrypt(token, ctx);

    it.each([
      ['another tenant', { tenantId: 'tenant-b', channelId: 'channel-1' }],
      ['another channel', { tenantId: 'tenant-a', channelId: 'channel-2' }],
      ['values swapped between keys', { tenantId: 'channel-1', channelId: 'tenant-a' }],
      ['a missing key', { tenantId: 'tenant-a' }],
      ['an extra key', { ...ctx, purpose: 'webhook' }],
      ['a renamed key', { tenantID: 'tenant-a', channelId: 'channel-1' }],
      ['different case', { tenantId: 'TENANT-A', channelId: 'channel-1' }],
    ])('fails with %s', (_name, other) => {
      const e = failure(() => sb.decrypt(ct, other));
      expect(e.reason).toBe('authentication_failed');
      expect(e.message).not.toContain(token);
    });

    it('does not depend on key order', () => {
      expect(sb.decryptString(ct, { channelId: 'channel-1', tenantId: 'tenant-a' })).toBe(token);
    });

    it('encodes contexts unambiguously', () => {
      // A naive "k=v&k=v" join would make these two equal.
      const joined = sb.encrypt(token, { a: 'b&c=d' });
      expect(failure(() => sb.decrypt(joined, { a: 'b', c: 'd' })).reason).toBe('authentication_failed');
      const split = sb.encrypt(token, { a: 'x', b: '' });
      expect(failure(() => sb.decrypt(split, { a: 'x","b', b: '' })).reason).toBe('authentication_failed');
    });

    it('refuses an empty or non-string context', () => {
      expect(() => sb.encrypt(token, {})).toThrow(TypeError);
      expect(() => sb.encrypt(token, { tenantId: 1 } as unknown as Record<string, string>)).toThrow(TypeError);
      expect(() => sb.decrypt(ct, null as unknown as Record<string, string>)).toThrow(TypeError);
    });
  });

  describe('rotation', () => {
    const old = box(k1);
    const both = box(k1, k2);
    const next = box(k2);
    const ct = old.encrypt(token, ctx);

    it('decrypts secrets of an older key while it stays in the ring', () => {
      expect(both.decryptString(ct, ctx)).toBe(token);
      expect(both.encrypt(token, ctx)).toMatch(/^v1\.k2\./);
    });

    it('rewraps to the newest key', () => {
      expect(both.needsRewrap(ct)).toBe(true);
      const rewrapped = both.rewrap(ct, ctx);
      expect(rewrapped).toMatch(/^v1\.k2\./);
      expect(rewrapped.split('.')[3]).not.toBe(ct.split('.')[3]); // fresh data key, not just a new wrapping
      expect(both.needsRewrap(rewrapped)).toBe(false);
      expect(both.rewrap(rewrapped, ctx)).toBe(rewrapped);
      expect(next.decryptString(rewrapped, ctx)).toBe(token);
      expect(old.decrypt.bind(old, rewrapped, ctx)).toThrow(DecryptionError);
    });

    it('cannot decrypt once the old key is gone', () => {
      const e = failure(() => next.decrypt(ct, ctx));
      expect(e.reason).toBe('unknown_key');
      expect(e.message).toContain('"k1"');
      expect(e.message).not.toContain(k1.slice(3));
    });

    it('does not rewrap with the wrong context', () => {
      expect(failure(() => both.rewrap(ct, { ...ctx, tenantId: 'tenant-b' })).reason).toBe('authentication_failed');
    });

    it('rejects a key with the right id but other bytes', () => {
      const impostor = box(KeyRing.generateKey('k1'));
      expect(failure(() => impostor.decrypt(ct, ctx)).reason).toBe('authentication_failed');
    });

    it('reports malformed input from needsRewrap', () => {
      expect(() => both.needsRewrap('v1.k2.nope')).toThrow(DecryptionError);
    });
  });
});
