import { signMetaBody, verifyMetaSignature } from './meta-signature';

describe('Meta webhook signature', () => {
  const body = Buffer.from('{"object":"page","entry":[]}');
  const vector = 'sha256=0e9e0080a310f376450c46d999aa4d49ed772bfe43c13205f38a3a6e6611ed2b';

  it('matches the documented vector', () => {
    expect(signMetaBody('appsecret', body)).toBe(vector);
    expect(verifyMetaSignature('appsecret', body, vector)).toBe(true);
  });

  it('refuses another secret, a missing or malformed header, and any changed byte', () => {
    expect(verifyMetaSignature('other', body, vector)).toBe(false);
    expect(verifyMetaSignature('appsecret', body, undefined)).toBe(false);
    expect(verifyMetaSignature('appsecret', body, vector.slice(7))).toBe(false);
    expect(verifyMetaSignature('appsecret', body, 'sha256=zz')).toBe(false);
    expect(verifyMetaSignature('appsecret', body, vector.slice(0, -2))).toBe(false);
    for (let i = 0; i < body.length; i++) {
      const flipped = Buffer.from(body);
      flipped[i] ^= 0x01;
      expect(verifyMetaSignature('appsecret', flipped, vector)).toBe(false);
    }
  });

  it("hashes raw bytes: Meta's \\u escapes differ from re-serialised JSON", () => {
    const raw = Buffer.from('{"text":"\\u00e9t\\u00e9"}');
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    expect(verifyMetaSignature('appsecret', reserialised, signMetaBody('appsecret', raw))).toBe(false);
  });
});
