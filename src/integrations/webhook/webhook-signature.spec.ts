import { newWebhookSecret, signatureHeader, verifySignatureHeader } from './webhook-signature';

// Computed independently: printf '%s' '1764740000.{"id":"evt_1","type":"message.created"}' | openssl dgst -sha256 -hmac whsec_example_secret
const VECTOR = {
  secret: 'whsec_example_secret',
  t: 1764740000,
  body: '{"id":"evt_1","type":"message.created"}',
  header: 't=1764740000,v1=00c6db142fad491aecc33d945eb16088ca428192f29ed0c55b726d412cc3cb07',
};

describe('outgoing webhook signature', () => {
  it('matches the documented vector', () => {
    expect(signatureHeader(VECTOR.secret, VECTOR.t, VECTOR.body)).toBe(VECTOR.header);
    expect(signatureHeader(VECTOR.secret, VECTOR.t, Buffer.from(VECTOR.body))).toBe(VECTOR.header);
  });

  it('verifies within the tolerance only', () => {
    expect(verifySignatureHeader(VECTOR.secret, VECTOR.header, VECTOR.body, { nowSeconds: VECTOR.t + 299 })).toBe(true);
    expect(verifySignatureHeader(VECTOR.secret, VECTOR.header, VECTOR.body, { nowSeconds: VECTOR.t + 301 })).toBe(false);
    expect(verifySignatureHeader(VECTOR.secret, VECTOR.header, VECTOR.body, { nowSeconds: VECTOR.t - 301 })).toBe(false);
  });

  it.each([
    ['another secret', 'whsec_other', VECTOR.header, VECTOR.body],
    ['a changed body', VECTOR.secret, VECTOR.header, VECTOR.body.replace('evt_1', 'evt_2')],
    ['a changed timestamp', VECTOR.secret, VECTOR.header.replace('t=1764740000', 't=1764740001'), VECTOR.body],
    ['no header', VECTOR.secret, undefined, VECTOR.body],
    ['no v1', VECTOR.secret, 't=1764740000', VECTOR.body],
    ['a short v1', VECTOR.secret, 't=1764740000,v1=00c6', VECTOR.body],
    ['garbage', VECTOR.secret, 'sha256=abc', VECTOR.body],
  ])('refuses %s', (_, secret, header, body) => {
    expect(verifySignatureHeader(secret, header, body, { nowSeconds: VECTOR.t })).toBe(false);
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const header = `t=${VECTOR.t},v1=${'0'.repeat(64)},${VECTOR.header.split(',')[1]}`;
    expect(verifySignatureHeader(VECTOR.secret, header, VECTOR.body, { nowSeconds: VECTOR.t })).toBe(true);
  });

  it('makes long random secrets', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
