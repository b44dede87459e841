import { parseFormBody, portVariants, twilioSignature, verifyTwilioSignature } from './twilio-signature';

describe('Twilio request signature', () => {
  // The vector of shared/PROTOCOLS.md (Twilio's documentation example).
  const token = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params: Array<[string, string]> = [
    ['To', '+18005551212'],
    ['Caller', '+14158675309'],
    ['Digits', '1234'],
    ['From', '+14158675309'],
    ['CallSid', 'CA1234567890ABCDE'],
  ];
  const vector = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

  it('matches the documented vector, whatever order the parameters came in', () => {
    expect(twilioSignature(token, url, params)).toBe(vector);
    expect(twilioSignature(token, url, [...params].reverse())).toBe(vector);
    expect(verifyTwilioSignature(token, [url], params, vector)).toBe(true);
  });

  it('reads the same parameters from the form body Twilio posts', () => {
    const body = 'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212';
    expect(verifyTwilioSignature(token, [url], parseFormBody(Buffer.from(body)), vector)).toBe(true);
  });

  it('refuses another token, another URL, a changed, added or missing parameter, and a missing header', () => {
    expect(verifyTwilioSignature('54321', [url], params, vector)).toBe(false);
    expect(verifyTwilioSignature(token, ['https://mycompany.com/myapp.php?foo=1&bar=3'], params, vector)).toBe(false);
    expect(verifyTwilioSignature(token, ['http://mycompany.com/myapp.php?foo=1&bar=2'], params, vector)).toBe(false);
    expect(verifyTwilioSignature(token, [url], [...params.slice(1), ['To', '+18005551213']], vector)).toBe(false);
    expect(verifyTwilioSignature(token, [url], [...params, ['Body', 'x']], vector)).toBe(false);
    expect(verifyTwilioSignature(token, [url], params.slice(1), vector)).toBe(false);
    expect(verifyTwilioSignature(token, [url], params, undefined)).toBe(false);
    expect(verifyTwilioSignature(token, [url], params, '')).toBe(false);
    expect(verifyTwilioSignature(token, [url], params, vector.slice(0, -1))).toBe(false);
    expect(verifyTwilioSignature('', [url], params, twilioSignature('', url, params))).toBe(false);
  });

  it('accepts a match on any candidate URL, and the default port written or not', () => {
    expect(verifyTwilioSignature(token, ['https://other.example/x', url], params, vector)).toBe(true);
    expect(verifyTwilioSignature(token, ['https://mycompany.com:443/myapp.php?foo=1&bar=2'], params, vector)).toBe(true);
    const withPort = twilioSignature(token, 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params);
    expect(verifyTwilioSignature(token, [url], params, withPort)).toBe(true);
    expect(verifyTwilioSignature(token, ['https://mycompany.com:8443/myapp.php?foo=1&bar=2'], params, vector)).toBe(false);
  });

  it('spells the default port both ways and leaves other ports alone', () => {
    expect(portVariants('https://a.example/p?q=1')).toEqual(['https://a.example/p?q=1', 'https://a.example:443/p?q=1']);
    expect(portVariants('http://a.example:80/p')).toEqual(['http://a.example:80/p', 'http://a.example/p']);
    expect(portVariants('https://a.example:8443/p')).toEqual(['https://a.example:8443/p']);
    expect(portVariants('https://[::1]/p')).toEqual(['https://[::1]/p', 'https://[::1]:443/p']);
  });

  it('signs every value of a repeated name, sorted', () => {
    const a = twilioSignature(token, url, [
      ['MediaUrl', 'b'],
      ['MediaUrl', 'a'],
    ]);
    expect(a).toBe(
      twilioSignature(token, url, [
        ['MediaUrl', 'a'],
        ['MediaUrl', 'b'],
      ]),
    );
    expect(a).not.toBe(twilioSignature(token, url, [['MediaUrl', 'a']]));
  });

  it('decodes + and percent escapes as form encoding does', () => {
    expect(parseFormBody(Buffer.from('Body=Hello+world%21+%F0%9F%8D%B0&Body=2&Empty='))).toEqual([
      ['Body', 'Hello world! 🍰'],
      ['Body', '2'],
      ['Empty', ''],
    ]);
    expect(parseFormBody(undefined)).toEqual([]);
  });
});
