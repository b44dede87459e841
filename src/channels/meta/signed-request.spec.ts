import { SIGNED_REQUEST_MAX_AGE_SECONDS, isFresh, issuedAt, makeSignedRequest, parseSignedRequest, signedRequestId } from './signed-request';

const VECTOR =
  'N32LNcvDGXq0GI1jxm-tj1ysJh2uqkNIBcUhUmTp19k.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImV4cGlyZXMiOjEyOTE4NDA0MDAsImlzc3VlZF9hdCI6MTI5MTgzNjgwMCwidXNlcl9pZCI6IjIxODQ3MSJ9';

describe('Meta signed_request', () => {
  it('verifies the documented vector', () => {
    expect(parseSignedRequest(VECTOR, 'appsecret')).toEqual({ algorithm: 'HMAC-SHA256', expires: 1291840400, issued_at: 1291836800, user_id: '218471' });
  });

  it('refuses another secret, a tampered payload or signature, and junk', () => {
    expect(parseSignedRequest(VECTOR, 'other')).toBeNull();
    const [sig, payload] = VECTOR.split('.');
    const tampered = Buffer.from(JSON.stringify({ algorithm: 'HMAC-SHA256', user_id: '1' })).toString('base64url');
    expect(parseSignedRequest(`${sig}.${tampered}`, 'appsecret')).toBeNull();
    expect(parseSignedRequest(`${sig.slice(0, -2)}AA.${payload}`, 'appsecret')).toBeNull();
    for (const junk of [undefined, '', 'abc', 'a.b.c', `${sig}.`, `.${payload}`, `${sig}.${payload}!`])
      expect(parseSignedRequest(junk, 'appsecret')).toBeNull();
  });

  it('refuses any algorithm but HMAC-SHA256, even when correctly signed', () => {
    expect(parseSignedRequest(makeSignedRequest({ algorithm: 'none', user_id: '1' }, 'appsecret'), 'appsecret')).toBeNull();
    expect(parseSignedRequest(makeSignedRequest({ algorithm: 'HMAC-SHA1', user_id: '1' }, 'appsecret'), 'appsecret')).toBeNull();
    expect(parseSignedRequest(makeSignedRequest({ user_id: '1' }, 'appsecret'), 'appsecret')).toBeNull();
    expect(parseSignedRequest(makeSignedRequest({ algorithm: 'HMAC-SHA256', user_id: '1' }, 'appsecret'), 'appsecret')).toEqual({
      algorithm: 'HMAC-SHA256',
      user_id: '1',
    });
  });

  it('dates a request by issued_at (unix seconds) and acts on it for an hour, five minutes of clock skew allowed', () => {
    const vector = parseSignedRequest(VECTOR, 'appsecret')!;
    expect(issuedAt(vector)).toEqual(new Date(1291836800 * 1000));
    expect(issuedAt({ algorithm: 'HMAC-SHA256', issued_at: '1291836800' as unknown as number })).toEqual(new Date(1291836800 * 1000));
    for (const bad of [undefined, 0, -5, 1.5, 'soon', '12e9', Number.MAX_VALUE])
      expect(issuedAt({ algorithm: 'HMAC-SHA256', issued_at: bad as number })).toBeNull();

    const now = new Date('2026-01-01T12:00:00Z');
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    expect(SIGNED_REQUEST_MAX_AGE_SECONDS).toBe(3600);
    expect([0, -3600, 300].map((s) => isFresh(at(s), now))).toEqual([true, true, true]);
    expect([-3601, 301, -400 * 86_400].map((s) => isFresh(at(s), now))).toEqual([false, false, false]);
    // The documented vector is from 2010: far too old to act on today.
    expect(isFresh(issuedAt(vector)!, now)).toBe(false);
  });

  it('names a request by its signature: the same request twice has one name, another request another', () => {
    expect(signedRequestId(VECTOR)).toMatch(/^[0-9a-f]{64}$/);
    expect(signedRequestId(VECTOR)).toBe(signedRequestId(`${VECTOR}`));
    expect(signedRequestId(VECTOR)).not.toContain('218471');
    const other = makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: 1291836801, user_id: '218471' }, 'appsecret');
    expect(signedRequestId(other)).not.toBe(signedRequestId(VECTOR));
  });
});
