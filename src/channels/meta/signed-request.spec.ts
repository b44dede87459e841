import { makeSignedRequest, parseSignedRequest } from './signed-request';

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
    for (const junk of [undefined, '', 'abc', 'a.b.c', `${sig}.`, `.${payload}`, `${sig}.${payload}!`]) expect(parseSignedRequest(junk, 'appsecret')).toBeNull();
  });

  it('refuses any algorithm but HMAC-SHA256, even when correctly signed', () => {
    expect(parseSignedRequest(makeSignedRequest({ algorithm: 'none', user_id: '1' }, 'appsecret'), 'appsecret')).toBeNull();
    expect(parseSignedRequest(makeSignedRequest({ algorithm: 'HMAC-SHA1', user_id: '1' }, 'appsecret'), 'appsecret')).toBeNull();
    expect(parseSignedRequest(makeSignedRequest({ user_id: '1' }, 'appsecret'), 'appsecret')).toBeNull();
    expect(parseSignedRequest(makeSignedRequest({ algorithm: 'HMAC-SHA256', user_id: '1' }, 'appsecret'), 'appsecret')).toEqual({ algorithm: 'HMAC-SHA256', user_id: '1' });
  });
});
