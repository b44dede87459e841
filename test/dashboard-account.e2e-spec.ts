import { randomUUID } from 'node:crypto';
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
import { tokenOf, waitForMails } from './support/mailbox';
import { TestApp, type TestTenant } from './support/test-app';

const run = browserTestsEnabled('dashboard account browser tests') ? describe : describe.skip;
// A test here is a person's journey of several steps, each waiting on what the page shows.
jest.setTimeout(120_000);

/**
 * People join and recover their accounts from mailed links: an owner invites a colleague, who
 * opens the link, chooses a name and password and lands in the inbox as an agent; someone who
 * forgot their password gets a link that sets a new one, once.
 */
run('dashboard in a browser: invitations and password reset', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let owner: TestTenant;
  let refused: string[];
  const colleague = `agent-${randomUUID()}@example.test`;

  const linkPath = (link: string | null) => {
    const url = new URL(link ?? 'http://x/');
    return `${url.pathname}${url.search}`;
  };

  async function signIn(p: Page, email: string, password: string) {
    await p.getByLabel('E-mail').fill(email);
    await p.getByRole('textbox', { name: 'Password' }).fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    buildDashboard();
    t = await TestApp.start();
    owner = await t.signup({ organizationName: 'Acme Accounts' });
    base = await listen(t);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('an owner invites a colleague by e-mail; the invitation waits in the list', async () => {
    const page = await signedOutPage(browser, base);
    refused = watchConsole(page);
    await chooseLanguage(page, 'English');
    await signIn(page, owner.email, owner.password);
    await page.waitForURL(/\/inbox$/);
    await page.goto(`${base}/settings/users`);
    await page.getByRole('heading', { name: 'Invite a colleague' }).waitFor();
    await page.getByLabel('E-mail').fill(colleague);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${colleague}`).waitFor();
    await page.getByRole('table', { name: 'Pending invitations' }).getByText(colleague).waitFor();
    await screenshot(page, 'settings-users-invite-en');
    await page.close();
  });

  it('the colleague opens the mailed link, chooses name and password, and lands in the inbox as an agent', async () => {
    const [mail] = await waitForMails(t.config.dataDir, colleague);
    expect(mail.link).toContain('/account/accept-invitation?token=');
    const page = await signedOutPage(browser, base);
    await chooseLanguage(page, 'English');
    await page.goto(`${base}${linkPath(mail.link)}`);
    await page.getByRole('heading', { name: 'Join your team' }).waitFor();
    await screenshot(page, 'account-invitation-en');
    await page.getByLabel('Your name').fill('Maria Petrova');
    await page.getByRole('textbox', { name: 'Password' }).fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Join' }).click();
    await page.waitForURL(/\/inbox$/);
    await page.getByText('AGENT').first().waitFor();
    expect(
      await page
        .getByRole('button', { name: 'Settings' })
        .or(page.getByRole('link', { name: 'Settings' }))
        .count(),
    ).toBe(0);

    // The same link a second time: refused in plain words.
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${base}${linkPath(mail.link)}`);
    await page.getByLabel('Your name').fill('Someone Else');
    await page.getByRole('textbox', { name: 'Password' }).fill('another long passphrase');
    await page.getByRole('button', { name: 'Join' }).click();
    await page
      .getByRole('alert')
      .getByText(/no longer valid/)
      .waitFor();
    await page.close();
  });

  it('a forgotten password: the link from the mail sets a new one, once; the old one stops working', async () => {
    const page = await signedOutPage(browser, base);
    await chooseLanguage(page, 'English');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL(/\/account\/forgot-password$/);
    await page.getByLabel('E-mail').fill(colleague);
    await page.getByRole('button', { name: 'Send me a reset link' }).click();
    await page
      .getByRole('status')
      .getByText(/a link to set a new password is on its way/)
      .waitFor();
    await screenshot(page, 'account-forgot-en');

    const mails = await waitForMails(t.config.dataDir, colleague, 2);
    const reset = mails[mails.length - 1];
    expect(tokenOf(reset.link)).toMatch(/^mml_/);
    await page.goto(`${base}${linkPath(reset.link)}`);
    await chooseLanguage(page, 'Русский');
    await page.getByRole('heading', { name: 'Новый пароль' }).waitFor();
    await screenshot(page, 'account-reset-ru');
    await chooseLanguage(page, 'English');
    await page.getByLabel('New password').fill('the newest passphrase here');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page
      .getByRole('status')
      .getByText(/Your password is changed/)
      .waitFor();

    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await signIn(page, colleague, 'a brand new passphrase');
    await page.getByRole('alert').waitFor();
    await signIn(page, colleague, 'the newest passphrase here');
    await page.waitForURL(/\/inbox$/);
    expect(refused).toEqual([]);
    await page.close();
  });

  it('the owner makes the colleague an admin from the users table', async () => {
    const page = await signedOutPage(browser, base);
    await chooseLanguage(page, 'English');
    await signIn(page, owner.email, owner.password);
    await page.waitForURL(/\/inbox$/);
    await page.goto(`${base}/settings/users`);
    await page.getByLabel(`Role of ${colleague}`).first().click();
    await page.getByRole('option', { name: 'Admin' }).click();
    await page.getByText('Role changed').first().waitFor();
    const users = await t.request('GET', '/api/users', { token: owner.token });
    expect(users.body.items.find((u: { email: string }) => u.email === colleague).role).toBe('admin');
    await page.close();
  });
});
