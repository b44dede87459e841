import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApp, TestTenant } from './support/test-app';

/** Directive -> sources of a Content-Security-Policy header. */
function parseCsp(header: unknown): Record<string, string[]> {
  expect(typeof header).toBe('string');
  return Object.fromEntries(
    String(header)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

/** Whether a CSP lets an inline element with this nonce run (script-src / style-src, falling back to default-src). */
function allowsInline(csp: Record<string, string[]>, directive: 'script-src' | 'style-src', nonce: string | undefined): boolean {
  const sources = csp[directive] ?? csp['default-src'] ?? [];
  const nonced = sources.some((s) => s.startsWith("'nonce-"));
  if (nonce !== undefined && sources.includes(`'nonce-${nonce}'`)) return true;
  return !nonced && sources.includes("'unsafe-inline'");
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1] ?? new RegExp(`\\s${name}='([^']*)'`, 'i').exec(tag)?.[1];

/**
 * Checks an HTML answer against its own CSP the way a browser would for what this service
 * writes: every inline script and style element is allowed (by its nonce, or by 'unsafe-inline'
 * for styles where the policy says so), no inline event handler is needed, and the page can
 * neither be framed nor sniffed.
 */
function expectPageAllowedByItsPolicy(res: { headers: Record<string, unknown>; body: string }): Record<string, string[]> {
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['cache-control']).toBe('no-store');
  const csp = parseCsp(res.headers['content-security-policy']);
  expect(csp['frame-ancestors']).toEqual(["'none'"]);
  expect(csp['default-src']).toEqual(["'none'"]);
  expect(csp['object-src']).toEqual(["'none'"]);
  expect(csp['base-uri']).toEqual(["'none'"]);
  for (const sources of Object.values(csp)) expect(sources).not.toContain("'unsafe-eval'");
  for (const s of csp['script-src'] ?? []) expect(s).not.toBe("'unsafe-inline'");

  const html = res.body;
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
    if (attr(tag, 'src') !== undefined || /type="application\/json"/i.test(tag)) continue;
    expect({ tag, allowed: allowsInline(csp, 'script-src', attr(tag, 'nonce')) }).toEqual({ tag, allowed: true });
  }
  for (const [tag] of html.matchAll(/<style\b[^>]*>/gi)) {
    expect({ tag, allowed: allowsInline(csp, 'style-src', attr(tag, 'nonce')) }).toEqual({ tag, allowed: true });
  }
  expect(html).not.toMatch(/<[^>]+\son[a-z]+\s*=/i); // inline event handlers would need 'unsafe-inline'
  return csp;
}

/** HTML pages, the API and widget.js carry the headers browsers act on. */
describe('browser-facing headers', () => {
  let t: TestApp;
  let owner: TestTenant;
  let dataDir: string;
  let channelKey: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mm-browser-'));
    t = await TestApp.start({ DATA_DIR: dataDir });
    owner = await t.signup();
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'webchat', name: 'Shop', config: { allowedOrigins: ['https://shop.example'] }, credentials: {} },
    });
    channelKey = res.body.config.channelKey;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('API answers', () => {
    it('are never cached, sniffed or framed', async () => {
      for (const [url, token, status] of [
        ['/api/conversations', owner.token, 200],
        ['/api/tenant', owner.token, 200],
        ['/api/tenant', undefined, 401],
        ['/api/no-such-route', owner.token, 404],
        ['/health', undefined, 200],
        ['/docs-json', undefined, 200],
      ] as const) {
        const res = await t.request('GET', url, { token });
        expect({
          url,
          status: res.status,
          cache: res.headers['cache-control'],
          nosniff: res.headers['x-content-type-options'],
          frame: res.headers['x-frame-options'],
        }).toEqual({
          url,
          status,
          cache: 'no-store',
          nosniff: 'nosniff',
          frame: 'DENY',
        });
        expect(parseCsp(res.headers['content-security-policy'])).toMatchObject({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
        expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
        expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      }
    });

    it('keep the caching they chose themselves (exports, streams)', async () => {
      const exp = await t.request('GET', '/api/exports/contacts.jsonl', { token: owner.token });
      expect(exp.headers['cache-control']).toBe('no-store');
      const session = await t.request('POST', `/webchat/${channelKey}/sessions`, { body: {}, headers: { origin: 'https://shop.example' } });
      expect(session.status).toBe(201);
      expect(session.headers['cache-control']).toBe('no-store');
      expect(session.headers['access-control-allow-origin']).toBe('https://shop.example');
    });
  });

  describe('widget.js', () => {
    it('stays embeddable from any site: cross-origin resource policy, long-ish caching, nosniff', async () => {
      const res = await t.request('GET', '/widget.js', {
        headers: { origin: 'https://shop.example', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' },
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/javascript/);
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.headers['cross-origin-embedder-policy']).toBeUndefined();
      // On a page with a nonce-based CSP, its one style element takes the script's nonce over.
      expect(res.body).toContain('style.nonce = script.nonce');
    });
  });

  describe('HTML pages', () => {
    it('/widget-demo with a channel key: its inline parts by a fresh nonce, widget.js and the API allowed', async () => {
      const first = await t.request('GET', `/widget-demo?key=${channelKey}`);
      const csp = expectPageAllowedByItsPolicy(first);
      const nonce = /'nonce-([^']+)'/.exec(csp['script-src'].join(' '))![1];
      expect(csp['style-src']).toContain(`'nonce-${nonce}'`);
      expect(first.body).toContain(`<script src="${t.config.publicBaseUrl}/widget.js" data-channel="${channelKey}" nonce="${nonce}" data-open async></script>`);
      expect(csp['script-src']).toEqual(expect.arrayContaining(["'self'", new URL(t.config.publicBaseUrl).origin]));
      expect(csp['connect-src']).toEqual(expect.arrayContaining(["'self'", new URL(t.config.publicBaseUrl).origin]));
      // The snippet shown to copy carries no nonce: it is for the Customer's own site.
      expect(first.body).toContain(
        `&lt;script src=&quot;${t.config.publicBaseUrl}/widget.js&quot; data-channel=&quot;${channelKey}&quot; async&gt;&lt;/script&gt;`,
      );

      const second = await t.request('GET', `/widget-demo?key=${channelKey}`);
      expect(parseCsp(second.headers['content-security-policy'])['script-src']).not.toContain(`'nonce-${nonce}'`);
    });

    it('/widget-demo with the local console: the console script runs by nonce', async () => {
      const res = await t.request('GET', '/widget-demo');
      expect(res.body).toContain('mm-demo-config');
      expectPageAllowedByItsPolicy(res);
    });

    it('/privacy/deletion/:code as a page', async () => {
      const channel = await t.createChannel(owner);
      const { conversation } = await t.inbound(owner, channel);
      const erased = await t.request('DELETE', `/api/contacts/${conversation.contactId}`, { token: owner.token });
      const res = await t.request('GET', `/privacy/deletion/${erased.body.confirmationCode}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.body).toContain('<style nonce=');
      expectPageAllowedByItsPolicy(res);
    });

    it('/legal/subprocessors as a page', async () => {
      const res = await t.request('GET', '/legal/subprocessors', { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expectPageAllowedByItsPolicy(res);
    });

    it('/docs: the Swagger UI page, and every script and stylesheet it references loads under its policy', async () => {
      for (const path of ['/docs', '/docs/']) {
        const page = await t.request('GET', path);
        expect(page.status).toBe(200);
        const csp = expectPageAllowedByItsPolicy(page);
        expect(csp['script-src']).toEqual(["'self'"]);
        expect(csp['connect-src']).toEqual(["'self'"]); // "Try it out" calls this API

        const base = new URL(path, 'http://app.test');
        const assets = [...page.body.matchAll(/<(?:script|link)\b[^>]*\s(?:src|href)=["']([^"']+)["']/gi)].map((m) => new URL(m[1], base));
        expect(assets.map((u) => u.pathname)).toEqual(
          expect.arrayContaining(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui-standalone-preset.js', '/docs/swagger-ui-init.js']),
        );
        for (const asset of assets) {
          expect(asset.origin).toBe('http://app.test'); // 'self': nothing from elsewhere
          const res = await t.app.inject({ method: 'GET', url: asset.pathname });
          const expectedType = /\.css$/.test(asset.pathname) ? /^text\/css/ : /\.png$/.test(asset.pathname) ? /^image\/png/ : /^application\/javascript/;
          expect({ asset: asset.pathname, status: res.statusCode, type: res.headers['content-type'] }).toEqual({
            asset: asset.pathname,
            status: 200,
            type: expect.stringMatching(expectedType),
          });
          expect(res.headers['x-content-type-options']).toBe('nosniff');
          if (/\.js$/.test(asset.pathname)) expect(res.body).not.toMatch(/\beval\(/); // no 'unsafe-eval' in the policy
        }
        const init = await t.app.inject({ method: 'GET', url: '/docs/swagger-ui-init.js' });
        expect(init.body).toContain('"/api/auth/signup"'); // the document is inline: no fetch needed
      }
    });
  });

  describe('/widget-demo on a local run', () => {
    const demo = (host: string) => t.request('GET', '/widget-demo', { headers: { host } });
    const port = () => new URL(t.config.publicBaseUrl).port || '80';

    it.each([
      'evil.example',
      'evil.example:3000',
      'localhost.evil.example',
      '127.0.0.1.nip.io:3000',
      'localhost.:3000',
      '[::2]:3000',
      '[::ffff:127.0.0.1]:3000',
    ])('shows no console (and no token) to a page that reached it under another name: Host %j', async (host) => {
      const res = await demo(host);
      expect(res.status).toBe(200);
      expect(res.body).not.toContain('mm-demo-config');
      expect(res.body).not.toMatch(/accessToken|eyJ[A-Za-z0-9_-]{10,}/);
    });

    it('shows the console to a browser on this machine that asked for a loopback name', async () => {
      for (const host of [`localhost:${port()}`, `127.0.0.1:${port()}`, `[::1]:${port()}`, 'localhost', 'LOCALHOST:3000']) {
        const res = await demo(host);
        expect({ host, console: res.body.includes('mm-demo-config') }).toEqual({ host, console: true });
      }
    });
  });
});
