import type { Page } from 'playwright-core';
import {
  type Browser,
  browserTestsEnabled,
  buildDashboard,
  chooseLanguage,
  launchBrowser,
  listen,
  screenshot,
  signedOutPage,
  watchConsole,
} from './support/browser';
import { TestApp } from './support/test-app';

const run = browserTestsEnabled('dashboard browser tests') ? describe : describe.skip;
// A test here is a person's journey of several steps, each waiting on what the page shows.
jest.setTimeout(120_000);

run('dashboard in a browser: sign-up, shell, languages', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let refused: string[];

  beforeAll(async () => {
    buildDashboard();
    t = await TestApp.start();
    base = await listen(t);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the dashboard at / under a nonce-only Content-Security-Policy', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    const html = await res.text();
    expect(html).not.toContain('__MM_CSP_NONCE__');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(html).toContain(`nonce="${nonce}"`);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/assets/nothing.js`)).status).toBe(404);
  });

  it('tells a wrong password in plain words', async () => {
    const p = await signedOutPage(browser, base);
    await chooseLanguage(p, 'English');
    await p.getByLabel('E-mail').fill('nobody@example.test');
    await p.getByRole('textbox', { name: 'Password' }).fill('not the password at all');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').waitFor();
    await p.close();
  });

  it('signs up a new organization and lands in its inbox', async () => {
    page = await signedOutPage(browser, base);
    refused = watchConsole(page);
    await chooseLanguage(page, 'English');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'login-en');
    await page.getByRole('link', { name: /create an organization/i }).click();
    await page.getByLabel('Organization name').fill('Browser Bakery');
    await page.getByLabel('E-mail').fill(`owner-${Date.now()}@example.test`);
    await page.getByRole('textbox', { name: 'Password' }).fill('correct horse battery staple');
    await screenshot(page, 'signup-en');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/inbox$/);
    await page.getByText('Browser Bakery').first().waitFor();
    await page.getByText('No conversations here yet.').waitFor();
    await screenshot(page, 'inbox-empty-en');
  });

  it('switches to Russian, and remembers it', async () => {
    await chooseLanguage(page, 'Русский');
    await page.getByText('Здесь пока нет разговоров.').waitFor();
    await screenshot(page, 'inbox-empty-ru');
    await page.reload();
    await page.getByText('Здесь пока нет разговоров.').waitFor();
  });

  it('stays signed in past the access token: renews with the refresh token, before expiry and after a 401', async () => {
    const stored = async () =>
      JSON.parse((await page.evaluate<string | null>(`localStorage.getItem('mm.session')`))!) as { accessToken: string; refreshToken: string };
    // The same claims with another expiry: the client reads exp; the API would refuse the forged signature.
    const withExp = (token: string, exp: number) => {
      const [head, claims] = token.split('.');
      const c = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
      return `${head}.${Buffer.from(JSON.stringify({ ...c, exp })).toString('base64url')}.forged`;
    };
    const renewals: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/api/auth/refresh')) renewals.push(r.status());
    });
    const now = Math.floor(Date.now() / 1000);
    for (const exp of [now - 60, now + 3600]) {
      const before = await stored();
      const planted = JSON.stringify({ accessToken: withExp(before.accessToken, exp), refreshToken: before.refreshToken });
      await page.evaluate(`localStorage.setItem('mm.session', ${JSON.stringify(planted)})`);
      await page.reload();
      await page.getByText('Здесь пока нет разговоров.').waitFor();
      await page.waitForFunction(`!JSON.parse(localStorage.getItem('mm.session')).accessToken.endsWith('.forged')`);
      const after = await stored();
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(page.url()).toMatch(/\/inbox$/);
    }
    expect(renewals).toEqual([200, 200]);
  });

  it('fits a 360 px wide screen: the menu folds into a burger', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('button', { name: 'Меню' }).click();
    await page.getByRole('button', { name: 'Выйти' }).last().waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await screenshot(page, 'menu-ru-360');
    await page.getByRole('button', { name: 'Выйти' }).last().click();
    await page.waitForURL(/\/login$/);
    await page.getByRole('heading', { name: 'Вход' }).waitFor();
    await screenshot(page, 'login-ru-360');
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, 'login-ru');
    expect(refused).toEqual([]);
  });
});
