import { CHANNEL_KEY, identityHash, newChannelKey, newIdentitySecret, verifyIdentityHash } from './webchat-identity';
import { mapWebchatPayload } from './webchat.mapper';
import { normalizeOrigin } from './webchat.adapter';

describe('web chat identity verification', () => {
  // Checked independently: printf customer-42 | openssl dgst -sha256 -hmac 4f1d0c8e2b9a7d6c5e3f1a0b9c8d7e6f
  const secret = '4f1d0c8e2b9a7d6c5e3f1a0b9c8d7e6f';
  const vector = '9c2400c64366e48adf3d5b48c578233d1f04520c6128d66f3a634916b38ede6d';

  it('is lowercase hex HMAC-SHA256 keyed with the secret string', () => {
    expect(identityHash(secret, 'customer-42')).toBe(vector);
    // UTF-8 on both sides (Python: hmac.new('s3cr3t-ключ'.encode(), 'usér-7'.encode(), sha256)).
    expect(identityHash('s3cr3t-ключ', 'usér-7')).toBe('296ecf2ab76315087954cd7b010ecb0d98c5f6026b6844a23d7e023678985a3c');
  });

  it('accepts the right hash in either case and nothing else', () => {
    expect(verifyIdentityHash(secret, 'customer-42', vector)).toBe(true);
    expect(verifyIdentityHash(secret, 'customer-42', vector.toUpperCase())).toBe(true);
    expect(verifyIdentityHash(secret, 'customer-43', vector)).toBe(false);
    expect(verifyIdentityHash(`${secret}x`, 'customer-42', vector)).toBe(false);
    expect(verifyIdentityHash(secret, 'customer-42', vector.slice(0, 62))).toBe(false);
    expect(verifyIdentityHash(secret, 'customer-42', `${vector}00`)).toBe(false);
    expect(verifyIdentityHash(secret, 'customer-42', 'z'.repeat(64))).toBe(false);
  });

  it('makes unguessable keys and secrets', () => {
    const keys = new Set(Array.from({ length: 100 }, newChannelKey));
    expect(keys.size).toBe(100);
    for (const k of keys) expect(k).toMatch(CHANNEL_KEY);
    expect(newIdentitySecret()).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('web chat origins and mapper', () => {
  it('normalizes origins and refuses anything else', () => {
    expect(normalizeOrigin('https://Shop.Example/')).toBe('https://shop.example');
    expect(normalizeOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(normalizeOrigin('https://shop.example:443')).toBe('https://shop.example');
    for (const bad of [
      'https://*.shop.example',
      'https://shop.example/chat',
      'https://shop.example?x=1',
      'ftp://shop.example',
      'https://user@shop.example',
      'shop.example',
      42,
    ]) {
      expect(normalizeOrigin(bad)).toBeNull();
    }
  });

  it('maps a stored visitor message, and ignores what it does not recognise', () => {
    const payload = {
      type: 'message',
      sessionId: 's1',
      visitorId: 'anon:1',
      visitorName: 'Ada',
      clientMessageId: 'c-123456',
      text: 'hi',
      receivedAt: '2025-01-02T03:04:05.000Z',
    };
    expect(mapWebchatPayload(payload)).toEqual([
      {
        type: 'message',
        message: {
          externalContactId: 'anon:1',
          contactName: 'Ada',
          externalMessageId: 's1/c-123456',
          text: 'hi',
          sentAt: new Date('2025-01-02T03:04:05.000Z'),
        },
      },
    ]);
    expect(mapWebchatPayload({ ...payload, receivedAt: 'nonsense' })).toEqual([{ type: 'ignored', reason: 'not a web chat visitor message' }]);
    expect(mapWebchatPayload({ ...payload, type: 'typing' })[0].type).toBe('ignored');
  });
});
