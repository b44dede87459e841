import { DomainError } from '../../../libs/domain/src';
import { validateWebhookUrl } from './webhook-url';

const reason = (raw: string, allowLocal = false) => {
  try {
    validateWebhookUrl(raw, allowLocal);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('INVALID_WEBHOOK_URL');
    return (err as Error).message;
  }
};

describe('webhook URLs', () => {
  it.each([
    'https://hooks.zapier.com/hooks/catch/123/abc/',
    'https://hook.eu1.make.com/xyz',
    'https://n8n.example.com:8443/webhook/1?x=1',
    'https://93.184.216.34/hook',
  ])('accepts %s', (url) => expect(reason(url)).toBe('ok'));

  it.each([
    ['http://hooks.example.com/x', 'https'],
    ['ftp://example.com/x', 'https'],
    ['not a url', 'absolute'],
    ['https://user:pass@example.com/x', 'credentials'],
    ['https://example.com/x#frag', 'fragment'],
    ['https://localhost/x', 'public host'],
    ['https://printer.local/x', 'public host'],
    ['https://metadata.google.internal/x', 'public host'],
    ['https://intranet/x', 'public host'],
    ['https://127.0.0.1/x', 'public address'],
    ['https://10.1.2.3/x', 'public address'],
    ['https://169.254.169.254/latest/meta-data', 'public address'],
    ['https://[::1]/x', 'public address'],
    ['https://[fd00::1]/x', 'public address'],
    ['https://[::ffff:192.168.1.1]/x', 'public address'],
    [`https://example.com/${'a'.repeat(2100)}`, 'at most'],
  ])('refuses %s (%s)', (url, why) => expect(reason(url)).toContain(why));

  // The same hosts, spelled so that a name check would miss them: the parser's normal form is checked.
  it.each([
    ['https://localhost./x', 'trailing dot'],
    ['https://LOCALHOST./x', 'trailing dot'],
    ['https://localhost\u3002/x', 'trailing dot'], // ideographic full stop
    ['https://printer.local./x', 'trailing dot'],
    ['https://hooks.example.com./x', 'trailing dot'], // public or not: one spelling per host
    ['https://intranet./x', 'trailing dot'],
    ['https://.example.com/x', 'empty labels'],
    ['https://example..com/x', 'empty labels'],
    ['https://LOCALHOST/x', 'public host'],
    ['https://%6c%6f%63%61%6c%68%6f%73%74/x', 'public host'],
    ['https://2130706433/x', 'public address'], // 127.0.0.1 in decimal
    ['https://0x7f000001/x', 'public address'],
    ['https://0x7f.1/x', 'public address'],
    ['https://0177.0.0.1/x', 'public address'],
    ['https://127.1/x', 'public address'],
    ['https://127.0.0.1./x', 'public address'],
    ['https://0/x', 'public address'],
    ['https://[0:0:0:0:0:0:0:1]/x', 'public address'],
    ['https://[::ffff:127.0.0.1]/x', 'public address'],
    ['https://[::ffff:7f00:1]/x', 'public address'],
    ['https://[::127.0.0.1]/x', 'public address'], // IPv4-compatible
    ['https://[::ffff:0:10.0.0.1]/x', 'public address'], // IPv4-translated
    ['https://[2002:7f00:1::]/x', 'public address'], // 6to4 of 127.0.0.1
    ['https://[64:ff9b:1::a00:1]/x', 'public address'],
    ['https://[fec0::1]/x', 'public address'],
  ])('refuses %s, another spelling of a local host (%s)', (url, why) => expect(reason(url)).toContain(why));

  it('refuses a trailing-dot host even where local targets are allowed', () => {
    expect(reason('https://localhost./hook', true)).toContain('trailing dot');
    expect(reason('http://localhost.:8080/hook', true)).toContain('trailing dot');
  });

  it('admits http://localhost only when local targets are allowed', () => {
    expect(reason('http://localhost:8080/hook', true)).toBe('ok');
    expect(reason('http://127.0.0.1:8080/hook', true)).toBe('ok');
    expect(reason('http://[::1]:8080/hook', true)).toBe('ok');
    expect(reason('http://localhost:8080/hook', false)).toContain('https');
    expect(reason('http://example.com/hook', true)).toContain('https');
  });
});
