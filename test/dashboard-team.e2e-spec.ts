import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { CsatService } from '../src/csat/csat.service';
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
import { TestApp, type TestTenant } from './support/test-app';

const run = browserTestsEnabled('dashboard team browser tests') ? describe : describe.skip;
// A test here is a person's journey of several steps, each waiting on what the page shows.
jest.setTimeout(120_000);

/**
 * Running a support team from the dashboard: the manager sets their own availability, makes a team
 * with its members, channel and assignment policy, gives it business hours with an out-of-office
 * reply, turns on satisfaction surveys for the web chat, and reads the reports (CSAT included) and
 * their CSV. One signed-in page goes through all of it.
 */
run('dashboard in a browser: teams, business hours, CSAT and reports', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let refused: string[];
  let owner: TestTenant;
  let agent: TestTenant;
  let chat: string;
  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });

  beforeAll(async () => {
    buildDashboard();
    t = await TestApp.start();
    owner = await t.signup({ organizationName: 'Acme Team' });
    agent = await t.addUser(owner, 'agent');
    chat = await t.createChannel(owner, 'webchat');
    base = await listen(t);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const tab = async (name: string, path: string) => {
    await page.getByRole('tab', { name }).click();
    await page.waitForURL(new RegExp(`/settings/${path}$`));
  };
  const pick = async (label: string, option: string) => {
    await page.getByLabel(label).first().click();
    await page.getByRole('option', { name: option }).click();
  };

  it('sets the signed-in person’s availability from the header', async () => {
    page = await signedOutPage(browser, base);
    refused = watchConsole(page);
    await chooseLanguage(page, 'English');
    await page.getByLabel('E-mail').fill(owner.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/inbox$/);
    await pick('Your availability', 'Away');
    await page.getByText('Availability: Away').waitFor();
    const me = (await call(owner, 'GET', '/api/agents')).body.items.find((a: { userId: string }) => a.userId === owner.userId);
    expect(me.availability).toBe('away');
  });

  it('makes a team: members, its channel, round robin with a capacity', async () => {
    await page.getByRole('link', { name: 'Settings' }).first().click();
    await page.waitForURL(/\/settings$/);
    await tab('Teams', 'teams');
    await page.getByLabel('Team name').last().fill('Billing');
    await page.getByRole('button', { name: 'Create team' }).click();
    const card = page.getByTestId('team-card').filter({ hasText: 'Billing' });
    await card.waitFor();
    await card.getByLabel('Assignment').click();
    await page.getByRole('option', { name: 'Round robin' }).click();
    await card.getByLabel('Conversations per agent').fill('5');
    await card.getByLabel('Members').click({ force: true });
    await page.getByRole('option', { name: agent.email }).click();
    await page.keyboard.press('Escape');
    await card.getByLabel('Channels routed here').click({ force: true });
    await page.getByRole('option', { name: 'webchat test channel' }).click();
    await page.keyboard.press('Escape');
    await card.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Team saved').first().waitFor();
    await card.getByText('Round robin').first().waitFor();
    await screenshot(page, 'settings-teams-en');
    const [team] = (await call(owner, 'GET', '/api/teams')).body.items;
    expect(team).toMatchObject({ name: 'Billing', assignmentPolicy: 'round_robin', agentCapacity: 5, memberIds: [agent.userId], channelIds: [chat] });
  });

  it('gives the team business hours in a time zone, with a holiday and an out-of-office reply', async () => {
    await tab('Business hours', 'hours');
    await pick('Channel or team', 'Team: Billing');
    await page.getByRole('button', { name: 'Add business hours' }).click();
    const card = page.getByTestId('hours-card').filter({ hasText: 'Team: Billing' });
    await card.waitFor();
    await card.getByLabel('Time zone').fill('Europe/Moscow');
    await card.getByRole('checkbox', { name: 'Saturday' }).check();
    await card.getByLabel('Saturday: Closes').fill('14:00');
    await card.getByRole('checkbox', { name: 'Friday' }).uncheck();
    await card.getByLabel('Holidays').fill('2026-12-31');
    await card.getByLabel('Out-of-office reply').fill('We are closed; we answer from 09:00 Moscow time.');
    await card.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Business hours saved').first().waitFor();
    await screenshot(page, 'settings-hours-en');
    const [hours] = (await call(owner, 'GET', '/api/business-hours')).body.items;
    expect(hours).toMatchObject({ timeZone: 'Europe/Moscow', holidays: ['2026-12-31'], outOfOfficeReply: 'We are closed; we answer from 09:00 Moscow time.' });
    expect(hours.weekly.map((w: { day: string; open: string; close: string }) => `${w.day} ${w.open}-${w.close}`)).toEqual([
      'mon 09:00-18:00',
      'tue 09:00-18:00',
      'wed 09:00-18:00',
      'thu 09:00-18:00',
      'sat 09:00-14:00',
    ]);
  });

  it('turns on satisfaction surveys for the web chat with its own question', async () => {
    await tab('Satisfaction', 'csat');
    const card = page.getByTestId('csat-card');
    await card.getByRole('switch', { name: 'Ask for a rating on webchat test channel' }).click();
    await card.getByLabel('Question').fill('Did we solve it?');
    await card.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Survey settings saved').first().waitFor();
    await screenshot(page, 'settings-csat-en');
    const saved = (await call(owner, 'GET', '/api/csat/settings')).body.items.find((s: { channelId: string }) => s.channelId === chat);
    expect(saved).toMatchObject({ enabled: true, language: 'en', question: 'Did we solve it?' });
  });

  it('shows the reports per agent with CSAT, downloads the CSV, and speaks Russian', async () => {
    // A conversation the agent answers and resolves, rated 4 by the customer.
    const id = (await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:browser' })).conversation.id;
    expect((await call(agent, 'POST', `/api/conversations/${id}/messages`, { text: 'Done!' })).status).toBe(202);
    expect((await call(owner, 'PATCH', `/api/conversations/${id}`, { status: 'resolved', assigneeId: agent.userId })).status).toBe(200);
    await t.app.get(CsatService).settled();
    await t.inbound(owner, chat, { channelKind: 'webchat', externalContactId: 'anon:browser', text: '4' });
    // The numbers the page will show, from the API first: a failure here is the data's, not the page's.
    const today = new Date().toISOString().slice(0, 10);
    const report = await call(owner, 'GET', `/api/reports/conversations?groupBy=agent&from=${today}&to=${today}&timeZone=UTC`);
    expect(report.status).toBe(200);
    expect(report.body.items.find((r: { key: string | null }) => r.key === agent.userId)).toMatchObject({
      csatAsked: 1,
      csatAnswered: 1,
      csatRatings: [0, 0, 0, 1, 0],
    });

    await page.getByRole('link', { name: 'Reports' }).first().click();
    await page.waitForURL(/\/reports$/);
    await page.getByText('Agent', { exact: true }).click();
    const row = page.getByTestId('report-table').getByRole('row').filter({ hasText: agent.email });
    await row.waitFor();
    // Opened, resolved, ..., CSAT asked 1, answered 1, average 4, distribution.
    await row.getByText('0 · 0 · 0 · 1 · 0').waitFor();
    await screenshot(page, 'reports-en');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toContain('csatAsked,csatAnswered,csatAverage,csat1,csat2,csat3,csat4,csat5');
    expect(csv).toContain(`${agent.userId},`);

    await chooseLanguage(page, 'Русский');
    await page.getByRole('heading', { name: 'Отчёты' }).waitFor();
    await page.getByText('Средняя').waitFor();
    await screenshot(page, 'reports-ru');
    expect(refused).toEqual([]);
  });
});
