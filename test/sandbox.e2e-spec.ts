import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres';
import { contractViolation } from './support/api-contract';
import { AppProcess } from './support/app-process';
import { browserTestsEnabled, buildDashboard, chooseLanguage, launchBrowser, screenshot, signedOutPage, watchConsole } from './support/browser';
import { TestApp, testEnv } from './support/test-app';

jest.setTimeout(240_000);

const KINDS = ['messenger', 'instagram', 'whatsapp', 'telegram', 'sms', 'email', 'webchat'];

/** Polls `probe` until it answers something (no timing asserted: the deadline only bounds a broken run). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Done means for the sandbox (issue 21): the app started as `npm run sandbox` starts it (a real
 * process, its own simulated platforms, workers running), logged in with the login it printed; a
 * customer simulated on each of the seven kinds reaches the inbox through that platform's real
 * webhook path, and the reply to each reaches the simulated platform.
 */
describe('sandbox (npm run sandbox)', () => {
  let app: AppProcess;
  let token: string;
  let login: { email: string; password: string };
  const browserTests = browserTestsEnabled('the sandbox panel in a browser');

  /** A call over loopback, checked against openapi.json like TestApp.request checks its own. */
  async function call(method: string, path: string, opts: { body?: unknown; bearer?: string } = {}): Promise<{ status: number; body: any }> {
    const bearer = opts.bearer ?? token;
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
    const text = await res.text();
    const body = text ? JSON.parse(text) : undefined;
    const broken = contractViolation(method, path, res.status, Object.fromEntries(res.headers), body);
    if (broken) throw new Error(`API contract: ${broken}`);
    return { status: res.status, body };
  }

  beforeAll(async () => {
    if (browserTests) buildDashboard();
    app = new AppProcess({
      ...(await testEnv()),
      SANDBOX: 'on',
      WORKERS: 'on',
      WORKER_IDLE_MS: '50',
      SMTP_PORT: String(await freePort()),
      DATA_DIR: await mkdtemp(join(tmpdir(), 'mm-sandbox-')),
      LOG_LEVEL: 'log',
    });
    await app.start();
    await eventually(async () => (app.output.includes('Simulate a customer') ? true : undefined), 'the sandbox printed its login');
    const [, email, password] = /Sandbox login: (\S+) \/ (\S+)/.exec(app.output) ?? [];
    login = { email, password };
    const signedIn = await call('POST', '/api/auth/login', { body: login });
    expect(signedIn.status).toBe(200);
    token = signedIn.body.accessToken;
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('connects one channel of each kind to the simulated platforms', async () => {
    const channels = await call('GET', '/api/channels');
    expect(channels.body.items.map((c: { kind: string }) => c.kind).sort()).toEqual([...KINDS].sort());
    expect(channels.body.items.every((c: { status: string }) => c.status === 'active')).toBe(true);
  });

  it('a customer writes on every kind, the inbox shows it, the reply reaches the simulated platform', async () => {
    const channels: Array<{ id: string; kind: string }> = (await call('GET', '/api/channels')).body.items;
    for (const channel of channels) {
      const text = `Where is my order? (${channel.kind})`;
      const simulated = await call('POST', '/api/sandbox/inbound', { body: { channelId: channel.id, text, customer: `Kim ${channel.kind}` } });
      expect(simulated).toMatchObject({ status: 202, body: { channelId: channel.id, kind: channel.kind, status: 'accepted' } });

      const conversation = await eventually(async () => {
        const list = await call('GET', `/api/conversations?channelId=${channel.id}`);
        return list.body.items[0] as { id: string } | undefined;
      }, `a ${channel.kind} conversation`);
      const messages = await call('GET', `/api/conversations/${conversation.id}/messages`);
      expect(messages.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ direction: 'inbound', text })]));

      const reply = `On its way (${channel.kind})`;
      expect((await call('POST', `/api/conversations/${conversation.id}/messages`, { body: { text: reply } })).status).toBe(202);
      const received = await eventually(async () => {
        const outbox = await call('GET', `/api/sandbox/outbox?channelId=${channel.id}`);
        return (outbox.body.items as Array<{ text: string | null; to: string }>).find((i) => i.text === reply);
      }, `the ${channel.kind} reply at the simulated platform`);
      // WhatsApp names a customer by wa_id (digits) and is written to at +wa_id.
      expect(received.to.replace(/^\+/, '')).toBe(simulated.body.address.replace(/^\+/, ''));
    }
  });

  (browserTests ? it : it.skip)(
    'the dashboard’s panel: a customer writes, the agent replies in the inbox, the panel shows what the platform received',
    async () => {
      const browser = await launchBrowser();
      try {
        const page = await signedOutPage(browser, app.url);
        const refused = watchConsole(page);
        await chooseLanguage(page, 'English');
        await page.getByLabel('E-mail').fill(login.email);
        await page.getByRole('textbox', { name: 'Password' }).fill(login.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(/\/inbox$/);
        await page.goto(`${app.url}/settings/channels`);
        const panel = page.getByTestId('sandbox-panel');
        await panel.getByLabel('Channel', { exact: true }).click();
        await page.getByRole('option', { name: 'Sandbox Telegram bot (Telegram)' }).click();
        await panel.getByRole('textbox', { name: 'Customer name' }).fill('Bea Browser');
        await panel.getByRole('textbox', { name: 'Message' }).fill('Do you ship to Lisbon?');
        await panel.getByRole('button', { name: 'Send as the customer' }).click();
        await page.getByText('Sent: the message appears in the inbox in a moment').waitFor();
        await screenshot(page, 'sandbox-panel-en');

        await page.goto(`${app.url}/inbox`);
        const row = page.getByTestId('conversation-list').getByRole('button').filter({ hasText: 'Bea Browser' }).first();
        await row.click();
        await page.getByTestId('thread').getByText('Do you ship to Lisbon?').waitFor();
        await page.getByRole('textbox', { name: 'Reply' }).fill('Yes, in three days.');
        await page.getByRole('button', { name: 'Send' }).click();
        await page.getByTestId('thread').getByText('Yes, in three days.').waitFor();

        await page.goto(`${app.url}/settings/channels`);
        await page.getByTestId('sandbox-panel').getByLabel('Channel', { exact: true }).click();
        await page.getByRole('option', { name: 'Sandbox Telegram bot (Telegram)' }).click();
        await page.getByTestId('sandbox-outbox').getByText('Yes, in three days.').waitFor();
        expect(refused).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  it('is for admins of the organization only: agents are refused, other organizations see no channel of it', async () => {
    const channelId = (await call('GET', '/api/channels')).body.items[0].id;
    const email = `agent-${Date.now()}@sandbox.example`;
    const password = 'an agent password that is long enough';
    expect((await call('POST', '/api/users', { body: { email, password, role: 'agent' } })).status).toBe(201);
    const agent = (await call('POST', '/api/auth/login', { body: { email, password } })).body.accessToken;
    const refused = await call('POST', '/api/sandbox/inbound', { bearer: agent, body: { channelId, text: 'hi' } });
    expect(refused).toMatchObject({ status: 403, body: { code: 'ROLE_REQUIRED' } });

    const other = await call('POST', '/api/auth/signup', {
      bearer: '',
      body: { organizationName: 'Elsewhere', email: `owner-${Date.now()}@elsewhere.example`, password: 'another owner password, long enough' },
    });
    const foreign = await call('POST', '/api/sandbox/inbound', { bearer: other.body.accessToken, body: { channelId, text: 'hi' } });
    expect(foreign).toMatchObject({ status: 404, body: { code: 'CHANNEL_NOT_FOUND' } });
    const peek = await call('GET', `/api/sandbox/outbox?channelId=${channelId}`, { bearer: other.body.accessToken });
    expect(peek).toMatchObject({ status: 404, body: { code: 'CHANNEL_NOT_FOUND' } });
  });
});

describe('sandbox: never active unless asked for', () => {
  it('without SANDBOX the routes answer 404 SANDBOX_OFF', async () => {
    const t = await TestApp.start();
    try {
      const owner = await t.signup();
      const channelId = await t.createChannel(owner, 'telegram');
      const res = await t.request('POST', '/api/sandbox/inbound', { token: owner.token, body: { channelId, text: 'hi' } });
      expect(res).toMatchObject({ status: 404, body: { code: 'SANDBOX_OFF' } });
      expect((await t.request('GET', `/api/sandbox/outbox?channelId=${channelId}`, { token: owner.token })).body.code).toBe('SANDBOX_OFF');
    } finally {
      await t.close();
    }
  });

  it('is refused at start with NODE_ENV=production: a clear message, exit 1', async () => {
    const app = new AppProcess({ ...(await testEnv()), SANDBOX: 'on', NODE_ENV: 'production' });
    await expect(app.start()).rejects.toThrow(/exited with 1/);
    expect(app.output).toContain('SANDBOX: the sandbox simulates every platform');
    expect(app.output).toContain('never runs with NODE_ENV=production');
    expect(app.output).not.toMatch(/\n\s+at /);
  });
});
