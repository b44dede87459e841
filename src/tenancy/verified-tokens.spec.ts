import { VerifiedTokens } from './verified-tokens';

const token = (claims: Record<string, unknown>, signature = 'sig') =>
  `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;

describe('VerifiedTokens', () => {
  let nowMs = 1_000_000_000_000;
  const clock = () => nowMs;

  it('answers a remembered token until its exp, as jsonwebtoken would accept it, then forgets it', () => {
    const cache = new VerifiedTokens<string>(10, clock);
    const exp = nowMs / 1000 + 60;
    const t = token({ sub: 'u1', exp });
    cache.remember(t, 'principal');
    expect(cache.get(t)).toBe('principal');
    nowMs = exp * 1000 - 1;
    expect(cache.get(t)).toBe('principal');
    nowMs = exp * 1000; // jsonwebtoken: expired once floor(now / 1000) >= exp
    expect(cache.get(t)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('only believes the exact string: another signature or payload is a miss', () => {
    const cache = new VerifiedTokens<string>(10, clock);
    const t = token({ sub: 'u1', exp: nowMs / 1000 + 60 });
    cache.remember(t, 'principal');
    expect(cache.get(token({ sub: 'u1', exp: nowMs / 1000 + 60 }, 'other'))).toBeUndefined();
    expect(cache.get(token({ sub: 'u2', exp: nowMs / 1000 + 60 }))).toBeUndefined();
  });

  it('keeps no token without a numeric exp, nor an expired one', () => {
    const cache = new VerifiedTokens<string>(10, clock);
    for (const t of [token({ sub: 'u1' }), token({ sub: 'u1', exp: 'soon' }), token({ sub: 'u1', exp: nowMs / 1000 - 1 }), 'not-a-jwt', 'a.%%%.c']) {
      cache.remember(t, 'principal');
      expect(cache.get(t)).toBeUndefined();
    }
    expect(cache.size).toBe(0);
  });

  it('holds at most max tokens, dropping the earliest verified', () => {
    const cache = new VerifiedTokens<number>(2, clock);
    const tokens = [1, 2, 3].map((i) => token({ sub: `u${i}`, exp: nowMs / 1000 + 60 }));
    tokens.forEach((t, i) => cache.remember(t, i));
    expect(cache.size).toBe(2);
    expect(cache.get(tokens[0])).toBeUndefined();
    expect(cache.get(tokens[1])).toBe(1);
    expect(cache.get(tokens[2])).toBe(2);
  });
});
