import { execSync } from 'node:child_process';
import { GENERATE_SECRETS_COMMAND, InvalidConfigError, loadConfig, parseRegionUrls, sandboxRefusal } from './app-config';

const SECRET = 'x'.repeat(40);
const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('loadConfig', () => {
  it("gives a platform's API base URL from <NAME>_API_URL, else the kind's default, and refuses one that is not an http(s) URL", () => {
    const env = { DATABASE_URL: 'postgres://u@h:5432/db', JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS };
    const config = loadConfig({ ...env, VIBER_API_URL: 'http://127.0.0.1:4010/' });
    expect(config.platformApiUrl('viber', 'https://chatapi.viber.com')).toBe('http://127.0.0.1:4010');
    expect(config.platformApiUrl('line', 'https://api.line.me/')).toBe('https://api.line.me');
    expect(() => loadConfig({ ...env, VIBER_API_URL: 'chatapi.viber.com' })).toThrow(/VIBER_API_URL: expected an http\(s\) URL/);
    expect(() => loadConfig({ ...env, LINE_API_URL: 'ftp://files.example' })).toThrow(/LINE_API_URL: expected an http\(s\) URL/);
  });

  it('listens on loopback by default on a developer machine, on every interface in a container', () => {
    const env = { DATABASE_URL: 'postgres://u@h:5432/db', JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS };
    expect(loadConfig(env, { inContainer: false })).toMatchObject({ host: '127.0.0.1', smtp: { host: '127.0.0.1' }, logLevel: 'log' });
    expect(loadConfig(env, { inContainer: true })).toMatchObject({ host: '0.0.0.0', smtp: { host: '0.0.0.0' } });
    expect(loadConfig({ ...env, HOST: '::', LOG_LEVEL: 'debug' }, { inContainer: false })).toMatchObject({
      host: '::',
      smtp: { host: '127.0.0.1' },
      logLevel: 'debug',
    });
    expect(() => loadConfig({ ...env, LOG_LEVEL: 'chatty' })).toThrow(/LOG_LEVEL/);
  });

  it('shows a command that generates the missing secrets, and that command works', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' })).toThrow(
      /JWT_SECRET: required, not set[\s\S]*MM_MASTER_KEYS: required, not set[\s\S]*generate the secrets with: npm run --silent secrets:generate >> \.env/,
    );
    const anywhere = /\(anywhere Node runs: (node -e ".*")\)$/.exec(GENERATE_SECRETS_COMMAND)![1];
    const generated = Object.fromEntries(
      execSync(anywhere, { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    );
    expect(Object.keys(generated)).toEqual(['JWT_SECRET', 'MM_MASTER_KEYS']);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', ...generated })).not.toThrow();
  });

  it('fills defaults around a single DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS });
    expect(c).toMatchObject({
      port: 3000,
      defaultRegion: 'eu',
      regionDatabaseUrls: { eu: 'postgres://u@h:5432/db' },
      publicBaseUrl: 'http://localhost:3000',
      appDatabaseRole: 'db_app',
    });
    expect(c.appDatabasePassword).toHaveLength(43);
  });

  it('maps regions to databases', () => {
    const c = loadConfig({
      REGION_DATABASE_URLS: 'eu=postgres://a/eu, ru=postgres://b/ru',
      DEFAULT_REGION: 'ru',
      JWT_SECRET: SECRET,
      MM_MASTER_KEYS: KEYS,
      PORT: '8080',
    });
    expect(c.regionDatabaseUrls).toEqual({ eu: 'postgres://a/eu', ru: 'postgres://b/ru' });
    expect(c.defaultRegion).toBe('ru');
    expect(c.port).toBe(8080);
  });

  it('names every bad variable and what it expects, in one message', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short' });
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/PORT: expected a whole number from 1 to 65535, got "eighty"/);
    expect(message).toMatch(/DATABASE_URL: expected a postgres:\/\//);
    expect(message).toMatch(/JWT_SECRET: expected at least 32 characters/);
    expect(message).toMatch(/MM_MASTER_KEYS: required, not set/);
  });

  it('explains a bad master key without echoing it', () => {
    const bad = 'k1:c2hvcnQ=';
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: SECRET, MM_MASTER_KEYS: bad });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/MM_MASTER_KEYS: /);
    expect(message).not.toContain('c2hvcnQ');
  });

  it('takes an optional HEALTH_TOKEN of at least 32 characters', () => {
    const base = { DATABASE_URL: 'postgres://u@h:5432/db', JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS };
    expect(loadConfig(base).healthToken).toBeUndefined();
    expect(loadConfig({ ...base, HEALTH_TOKEN: '' }).healthToken).toBeUndefined();
    expect(loadConfig({ ...base, HEALTH_TOKEN: SECRET }).healthToken).toBe(SECRET);
    expect(() => loadConfig({ ...base, HEALTH_TOKEN: 'monitor' })).toThrow(/HEALTH_TOKEN: expected at least 32 characters/);
  });

  it('requires JWT_SECRET and a database', () => {
    expect(() => loadConfig({})).toThrow(/JWT_SECRET: required, not set/);
    expect(() => loadConfig({ JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS })).toThrow(/DATABASE_URL: set it/);
  });

  it('refuses a default region without a database', () => {
    expect(() => loadConfig({ REGION_DATABASE_URLS: 'ru=postgres://b/ru', JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS })).toThrow(
      /DEFAULT_REGION: "eu" is not one of REGION_DATABASE_URLS \(ru\)/,
    );
  });
});

describe('SANDBOX', () => {
  const env = { DATABASE_URL: 'postgres://u@h:5432/db', JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS };

  it('is off unless asked for, by SANDBOX=on or --sandbox', () => {
    expect(loadConfig(env).sandbox).toBe(false);
    expect(loadConfig({ ...env, SANDBOX: 'on' }).sandbox).toBe(true);
    expect(() => loadConfig({ ...env, SANDBOX: 'maybe' })).toThrow(/SANDBOX: expected on or off/);
  });

  it('is refused with NODE_ENV=production, however it was asked for', () => {
    expect(() => loadConfig({ ...env, SANDBOX: 'on', NODE_ENV: 'production' })).toThrow(/SANDBOX: .* never runs with NODE_ENV=production/);
    expect(sandboxRefusal({ NODE_ENV: 'production' }, ['node', 'main.js', '--sandbox'])).toMatch(/unset SANDBOX/);
    expect(sandboxRefusal({ NODE_ENV: 'production' }, ['node', 'main.js'])).toBeNull();
    expect(sandboxRefusal({ SANDBOX: 'on', NODE_ENV: 'development' })).toBeNull();
  });
});

describe('parseRegionUrls', () => {
  it.each([
    ['eu', /not region=url/],
    ['EU=postgres://a', /not region=url/],
    ['eu=http://a', /not a postgres/],
    ['eu=postgres://a,eu=postgres://b', /listed twice/],
  ])('rejects %s', (raw, why) => {
    expect(() => parseRegionUrls(raw)).toThrow(why);
  });

  it('keeps query strings with commas-free options intact', () => {
    expect(parseRegionUrls('eu=postgres://u:p@h/db?sslmode=require')).toEqual({ eu: 'postgres://u:p@h/db?sslmode=require' });
  });
});

describe('TRUST_PROXY', () => {
  const base = { DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS };

  it('trusts no proxy unless configured', () => {
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8,loopback' }).trustProxy).toEqual(['10.0.0.0/8', 'loopback']);
  });

  it('refuses to trust every address, naming the variable', () => {
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: trusting every address/);
  });
});

describe('operations settings', () => {
  const base = { DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: SECRET, MM_MASTER_KEYS: KEYS };

  it('defaults to short leases, a bounded shutdown, no /metrics and the platforms’ own send limits', () => {
    expect(loadConfig(base)).toMatchObject({ workerLeaseSeconds: 10, shutdownGraceMs: 8000, metricsToken: undefined, sendLimits: {}, logFormat: 'text' });
  });

  it('reads send limit overrides as name:messages-per-second pairs, and refuses anything else', () => {
    expect(loadConfig({ ...base, SEND_LIMITS: 'whatsapp:1000, sms:100,telegram_chat:0.5' }).sendLimits).toEqual({
      whatsapp: 1000,
      sms: 100,
      telegram_chat: 0.5,
    });
    expect(() => loadConfig({ ...base, SEND_LIMITS: 'whatsapp=1000' })).toThrow(/SEND_LIMITS: expected name:messages-per-second pairs/);
    expect(() => loadConfig({ ...base, SEND_LIMITS: 'sms:0' })).toThrow(/SEND_LIMITS/);
  });

  it('wants a real secret for METRICS_TOKEN', () => {
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: expected at least 32 characters/);
  });
});
