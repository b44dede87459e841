import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';
import type { TestApp } from './test-app';

/** Debian's chromium (.ci/run installs it with apt-get). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where screenshots go (gitignored; CI keeps the folder as an artifact). */
export const SCREENSHOTS = join(__dirname, '..', '..', 'test-results', 'screenshots');

/**
 * Whether the browser suites run: with chromium installed, always; without it they are skipped
 * with a message, except in CI (CI=true), where a missing browser fails the run.
 */
export function browserTestsEnabled(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must run the browser tests (.ci/run installs Debian's chromium)`);
  process.stdout.write(`\n  SKIPPED ${suite}: no browser at ${CHROMIUM} (apt-get install chromium to run the dashboard's browser tests)\n\n`);
  return false;
}

/** Builds the dashboard into dist/web unless it is up to date with web/ (the app serves it from there). */
export function buildDashboard(): void {
  const res = spawnSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build-web.js')], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`dashboard build failed:\n${res.stdout}\n${res.stderr}`);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh chromium profile per suite, so nothing (storage, cache) carries between runs. */
export async function launchBrowser(opts: { locale?: string } = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'mm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    locale: opts.locale ?? 'en-US',
    timezoneId: 'Europe/Berlin',
    viewport: { width: 1280, height: 800 },
  });
  // Fail a step with its own message well before the test's timeout.
  context.setDefaultTimeout(20_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Starts listening on a free loopback port (the browser needs a real socket); answers the base URL. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Saves a screenshot under test-results/screenshots/<name>.png, and checks the screen with axe-core:
 * any serious or critical accessibility violation fails the test that shows it.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await transitionsEnded(page);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
  const violations = await accessibilityViolations(page);
  if (violations.length) throw new Error(`${name}: axe-core found serious or critical violations:\n${violations.join('\n')}`);
}

/**
 * Waits (at most 3 s) for the page's finite animations and transitions to end: a screen is judged as
 * it settles, not mid-way. axe-core once measured a dialog's text while its overlay was still fading
 * in (contrast 4.29 against a background not yet opaque). Endless ones (spinners) are not waited for.
 */
async function transitionsEnded(page: Page): Promise<void> {
  await page.evaluate(`Promise.race([
    Promise.all(document.getAnimations()
      .filter((a) => Number.isFinite(Number(a.effect?.getComputedTiming().endTime)))
      .map((a) => a.finished.catch(() => undefined))),
    new Promise((resolve) => setTimeout(resolve, 3000)),
  ])`);
}

let axeSource: string | undefined;

/** axe-core's serious and critical findings on the page as it is now ("rule: element … why"). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, so the page's own Content-Security-Policy stays as it is.
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(`${axeSource};0`);
  return page.evaluate<string[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => v.id + ': ' + n.target.join(' ') + ' (' + (n.failureSummary || '').replace(/\\s+/g, ' ') + ')')))`);
}

/** Collects what the page's Content-Security-Policy refused, and uncaught errors. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
      problems.push(`${m.text()} at ${m.location().url}:${m.location().lineNumber} (${page.url()})`);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return problems;
}

/** A new tab on the sign-in screen, with nothing of earlier tests in its storage. */
export async function signedOutPage(browser: Browser, base: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${base}/login`);
  await page.evaluate('localStorage.clear()');
  await page.goto(`${base}/login`);
  return page;
}

/** Picks a language in the header's switch (its radio inputs are visually hidden behind labels). */
export async function chooseLanguage(page: Page, label: 'English' | 'Русский'): Promise<void> {
  await page.locator('label', { hasText: label }).first().click();
  await page.waitForFunction(`document.documentElement.lang === '${label === 'English' ? 'en' : 'ru'}'`);
}
