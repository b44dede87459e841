import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { type Browser, browserTestsEnabled, launchBrowser, listen, watchConsole } from './support/browser';
import { CsatService } from '../src/csat/csat.service';
import { TestApp, type TestTenant } from './support/test-app';

const run = browserTestsEnabled('web chat widget browser tests') ? describe : describe.skip;
jest.setTimeout(120_000);

run('web chat widget in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let owner: TestTenant;
  let key: string;
  /** A Customer's site with widget.js embedded, on another loopback port (another origin) than the app. */
  let shop: Server;
  let SHOP: string;

  beforeAll(async () => {
    t = await TestApp.start();
    base = await listen(t);
    shop = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Acme shop</h1>
        <script src="${base}/widget.js" data-channel="${key}" data-title="Ask Acme"${req.url === '/closed' ? '' : ' data-open'} async></script></body></html>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    SHOP = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    owner = await t.signup();
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'webchat', name: 'Site chat', config: { allowedOrigins: [SHOP] }, credentials: {} },
    });
    key = res.body.config.channelKey;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    shop?.close();
  });

  async function shopPage(path = '/'): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${SHOP}${path}`);
    return { page, problems };
  }

  it('opens, sends the visitor message, shows the agent reply live, closes and reopens, and keeps the chat on reload', async () => {
    const { page, problems } = await shopPage();
    const dialog = page.getByRole('dialog', { name: 'Ask Acme' });
    await dialog.waitFor();
    await page.getByText('Ask us anything. We usually answer within minutes.').waitFor();

    await page.getByRole('textbox', { name: 'Message' }).fill('Do you ship to Berlin?');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await page.getByText('Do you ship to Berlin?').waitFor();
    await page.getByText(/^(Sent|Delivered)$/).waitFor();

    await t.drainInbound();
    const list = await t.request('GET', '/api/conversations', { token: owner.token });
    expect(list.body.items).toHaveLength(1);
    const reply = await t.request('POST', `/api/conversations/${list.body.items[0].id}/messages`, { token: owner.token, body: { text: 'Yes, in 2 days' } });
    expect(reply.status).toBe(202);
    await t.drainOutbound();
    await page.getByText('Yes, in 2 days').waitFor();

    await page.getByRole('button', { name: 'Close chat' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.evaluate('window.MonkeyMachineChat.open()');
    await dialog.waitFor();

    await page.reload();
    await page.getByText('Yes, in 2 days').waitFor();
    await page.getByText('Do you ship to Berlin?').waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('starts closed without data-open: the launcher opens and closes it', async () => {
    const { page, problems } = await shopPage('/closed');
    const dialog = page.getByRole('dialog', { name: 'Ask Acme' });
    const launcher = page.getByRole('button', { name: 'Ask Acme' });
    await launcher.waitFor();
    expect(await dialog.isVisible()).toBe(false);
    await launcher.click();
    await dialog.waitFor();
    await launcher.click();
    await dialog.waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('asks for a rating once the conversation is resolved: one tap rates it, once', async () => {
    const { page, problems } = await shopPage();
    await page.getByText('Yes, in 2 days').waitFor();
    const [conversation] = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items;
    await t.request('PUT', `/api/csat/settings/${conversation.channelId}`, { token: owner.token, body: { enabled: true } });
    await t.request('PATCH', `/api/conversations/${conversation.id}`, { token: owner.token, body: { status: 'resolved' } });
    await t.app.get(CsatService).settled();
    await t.drainOutbound();
    await page.getByText('How would you rate the help you received?', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Rate 4 of 5' }).click();
    await page.getByText('Thank you for your rating!').waitFor();
    expect(await page.getByRole('button', { name: 'Rate 4 of 5' }).count()).toBe(0);
    const day = new Date().toISOString().slice(0, 10);
    const report = await t.request('GET', `/api/reports/conversations?from=${day}&to=${day}&groupBy=channel`, { token: owner.token });
    expect(report.body.items[0]).toMatchObject({ csatAsked: 1, csatAnswered: 1, csatRatings: [0, 0, 0, 1, 0] });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("sends a picture the visitor picks, shows it, and offers the agent's file as a download", async () => {
    const { page, problems } = await shopPage();
    await page.getByText('Yes, in 2 days').waitFor();
    const dot = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    await page.getByLabel('File to send').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: dot });
    await page.getByText('📎 dot.png').waitFor();
    await page
      .getByText(/^Sent$/)
      .last()
      .waitFor();
    await t.drainInbound();
    await page.getByRole('img', { name: 'dot.png' }).waitFor();
    const [conversation] = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items;
    const [received] = (await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token })).body.items;
    expect(received.attachments).toEqual([expect.objectContaining({ type: 'image', name: 'dot.png', mimeType: 'image/png', size: dot.length })]);
    // Shown from the bytes we keep (a blob: URL fetched with the session token), once confirmed.
    await page.waitForFunction(`(() => {
      const img = document.querySelector('[data-monkeymachine-chat]').shadowRoot.querySelector('img.picture');
      return !!img && img.src.startsWith('blob:') && img.complete && img.naturalWidth === 1;
    })()`);

    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2048, 7)]);
    const upload = await t.upload(owner.token, pdf, { fileName: 'invoice.pdf' });
    await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { attachments: [{ uploadId: upload.body.id }] } });
    await t.drainOutbound();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: '📎 invoice.pdf' }).click();
    expect((await download).suggestedFilename()).toBe('invoice.pdf');
    expect(problems).toEqual([]);
    await page.close();
  });
});
