import type { Page } from 'playwright-core';
import type { FakeGraphServer } from './fakes/fake-graph.server';
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
import { startWithFakeGraph, stopWithFakeGraph } from './support/channels';
import { META_APP_SECRET, platformId } from './support/meta';
import type { TestApp, TestTenant } from './support/test-app';

const run = browserTestsEnabled('dashboard settings browser tests') ? describe : describe.skip;
// A test here is a person's journey of several steps, each waiting on what the page shows.
jest.setTimeout(120_000);

run('dashboard in a browser: settings', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let base: string;
  let browser: Browser;
  let page: Page;
  let refused: string[];
  let owner: TestTenant;
  let agent: TestTenant;

  async function logIn(who: TestTenant): Promise<Page> {
    const p = await signedOutPage(browser, base);
    await chooseLanguage(p, 'English');
    await p.getByLabel('E-mail').fill(who.email);
    await p.getByRole('textbox', { name: 'Password' }).fill(who.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(/\/inbox$/);
    return p;
  }

  beforeAll(async () => {
    buildDashboard();
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
    owner = await t.signup({ organizationName: 'Acme Settings' });
    agent = await t.addUser(owner, 'agent');
    base = await listen(t);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stopWithFakeGraph({ t, graph });
  });

  it('connects a web chat channel: the embed code and the identity secret, once', async () => {
    page = await logIn(owner);
    refused = watchConsole(page);
    await page
      .getByRole('button', { name: 'Settings' })
      .or(page.getByRole('link', { name: 'Settings' }))
      .first()
      .click();
    await page.waitForURL(/\/settings$/);
    await page.getByRole('textbox', { name: 'Name' }).fill('Shop chat');
    await page.getByLabel('Allowed origins').fill('https://shop.example');
    await page.getByRole('button', { name: 'Connect a channel' }).click();
    const card = page.getByTestId('channel-card').filter({ hasText: 'Shop chat' });
    await card.getByText('Active').waitFor();
    await card.getByText(/widget\.js" data-channel="wc_/).waitFor();
    await card.getByText('Identity secret (shown once: copy it now)').waitFor();
    await screenshot(page, 'settings-channels-en');
  });

  it('connects WhatsApp with the platform’s field names, and shows the webhook URL to paste', async () => {
    const phoneNumberId = platformId();
    const wabaId = platformId();
    graph.whatsapp(phoneNumberId, wabaId, 'EAAG-settings-token');
    await page.getByLabel('Kind').first().click();
    await page.getByRole('option', { name: 'WhatsApp' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Support line');
    await page.getByLabel('Phone number ID').fill(phoneNumberId);
    await page.getByLabel('WhatsApp Business Account ID').fill(wabaId);
    await page.getByLabel('Access token').fill('EAAG-settings-token');
    await page.getByRole('button', { name: 'Connect a channel' }).click();
    const card = page.getByTestId('channel-card').filter({ hasText: 'Support line' });
    await card.getByText(`${base}/webhooks/meta`).waitFor();
    const channels = await t.request('GET', '/api/channels', { token: owner.token });
    expect(channels.body.items.map((c: { kind: string }) => c.kind).sort()).toEqual(['webchat', 'whatsapp']);
  });

  it('changes retention', async () => {
    await page.getByRole('tab', { name: 'Retention' }).click();
    await page.waitForURL(/\/settings\/retention$/);
    await page.getByLabel('Keep messages for (days)').fill('30');
    await page.getByLabel(/Support line/).fill('90');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Retention saved').waitFor();
    const saved = await t.request('GET', '/api/settings/retention', { token: owner.token });
    expect(saved.body.defaultDays).toBe(30);
    expect(Object.values(saved.body.channels)).toEqual([90]);
    await screenshot(page, 'settings-retention-en');
  });

  it('adds a label and a canned response, and deletes the label', async () => {
    await page.getByRole('tab', { name: 'Replies' }).click();
    await page.waitForURL(/\/settings\/replies$/);
    await page.getByLabel('Label name').fill('Wholesale');
    await page.getByRole('button', { name: 'Add label' }).click();
    await page.getByText('Label added').first().waitFor();
    await page.getByLabel('Short code').fill('hello');
    await page.getByRole('textbox', { name: 'Text' }).fill('Hello {{contact.name}}, {{agent.name}} here.');
    await page.getByRole('button', { name: 'Add canned response' }).click();
    await page.getByText('/hello').waitFor();
    await screenshot(page, 'settings-replies-en');
    const canned = await t.request('GET', '/api/canned-responses', { token: owner.token });
    expect(canned.body.items.map((r: { shortCode: string; text: string }) => [r.shortCode, r.text])).toEqual([
      ['hello', 'Hello {{contact.name}}, {{agent.name}} here.'],
    ]);
    expect((await t.request('GET', '/api/labels', { token: owner.token })).body.items.map((l: { name: string }) => l.name)).toEqual(['Wholesale']);
    await page.getByRole('button', { name: 'Delete the label Wholesale' }).click();
    await page.getByText('No labels yet.').waitFor();
    expect((await t.request('GET', '/api/labels', { token: owner.token })).body.items).toEqual([]);
  });

  it('shows every settings screen, in English and in Russian', async () => {
    for (const [tab, name] of [
      ['users', 'Users'],
      ['webhooks', 'Webhooks'],
      ['privacy', 'Deletion requests'],
      ['exports', 'Exports'],
      ['audit', 'Audit log'],
      ['access', 'Access grants'],
    ] as const) {
      await page.getByRole('tab', { name }).click();
      await page.waitForURL(new RegExp(`/settings/${tab}$`));
      await screenshot(page, `settings-${tab}-en`);
    }
    await chooseLanguage(page, 'Русский');
    for (const [tab, name] of [
      ['channels', 'Каналы'],
      ['users', 'Пользователи'],
      ['replies', 'Ответы'],
      ['retention', 'Хранение'],
      ['webhooks', 'Вебхуки'],
      ['privacy', 'Запросы на удаление'],
      ['exports', 'Выгрузки'],
      ['audit', 'Журнал аудита'],
      ['access', 'Доступ поддержки'],
    ] as const) {
      await page.getByRole('tab', { name }).click();
      await page.waitForURL(new RegExp(`/settings/${tab}$`));
      await screenshot(page, `settings-${tab}-ru`);
    }
    await chooseLanguage(page, 'English');
    expect(refused).toEqual([]);
  });

  it('an agent does not see the owner settings, not even by URL', async () => {
    const p = await logIn(agent);
    await p.getByText('No conversations here yet.').waitFor();
    expect(
      await p
        .getByRole('button', { name: 'Settings' })
        .or(p.getByRole('link', { name: 'Settings' }))
        .count(),
    ).toBe(0);
    await p.goto(`${base}/settings/channels`);
    await p.getByText('No conversations here yet.').waitFor();
    expect(await p.getByRole('tab', { name: 'Channels' }).count()).toBe(0);
    await screenshot(p, 'agent-inbox-en');
    await p.close();
  });
});
