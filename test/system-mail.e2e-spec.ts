import { mkdtemp, readdir } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config/app-config';
import { Mailer } from '../src/mail/mailer.service';
import { mailsTo } from './support/mailbox';
import { TestApp, testEnv } from './support/test-app';

/** Account mail: SMTP when MAIL_URL is set, .eml files under DATA_DIR/mail otherwise; English and Russian. */
describe('system mail', () => {
  it('without MAIL_URL writes .eml files under DATA_DIR/mail, in the recipient locale', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mm-mail-'));
    const t = await TestApp.start({ DATA_DIR: dataDir });
    try {
      const mailer = t.app.get(Mailer);
      expect(mailer.describe()).toBe(`files under ${join(dataDir, 'mail')}`);
      const expiresAt = new Date('2026-12-01T10:00:00Z');
      await mailer.send({ to: 'en@example.test', locale: 'en', template: 'passwordReset', params: { link: 'https://app.example/reset?token=abc', expiresAt } });
      await mailer.send({ to: 'ru@example.test', locale: 'ru', template: 'passwordReset', params: { link: 'https://app.example/reset?token=def', expiresAt } });
      expect((await readdir(join(dataDir, 'mail'))).filter((f) => f.endsWith('.eml'))).toHaveLength(2);
      const [en] = await mailsTo(dataDir, 'en@example.test');
      expect(en.subject).toBe('Reset your MonkeyMachine password');
      expect(en.link).toBe('https://app.example/reset?token=abc');
      expect(en.html).toContain('href="https://app.example/reset?token=abc"');
      const [ru] = await mailsTo(dataDir, 'ru@example.test');
      expect(ru.subject).toBe('Сброс пароля MonkeyMachine');
      expect(ru.text).toContain('Ссылка одноразовая');
    } finally {
      await t.close();
    }
  });

  it('with MAIL_URL sends through that SMTP server, authenticated, from MAIL_FROM', async () => {
    const received: Array<{ user?: string; from?: string; raw: string }> = [];
    let authUser: string | undefined;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        authUser = auth.username;
        cb(auth.username === 'mailer' && auth.password === 'p@ss' ? null : new Error('bad auth'), { user: auth.username });
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            user: String(session.user),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            raw: Buffer.concat(chunks).toString(),
          });
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.server.address() as AddressInfo).port;
    const config = loadConfig(
      await testEnv({ MAIL_URL: `smtp://mailer:${encodeURIComponent('p@ss')}@127.0.0.1:${port}`, MAIL_FROM: 'Support <support@mm.example>' }),
    );
    const mailer = new Mailer(config);
    try {
      expect(mailer.describe()).toBe(`smtp://127.0.0.1:${port}`);
      await mailer.send({
        to: 'new@example.test',
        locale: 'ru',
        template: 'invitation',
        params: { organizationName: 'Acme <b>', inviterEmail: 'boss@example.test', link: 'https://app.example/accept?token=x', expiresAt: new Date() },
      });
      expect(received).toHaveLength(1);
      expect(authUser).toBe('mailer');
      expect(received[0].from).toBe('support@mm.example');
      const parsed = await simpleParser(received[0].raw);
      expect(parsed.subject).toBe('Приглашение в Acme <b> на MonkeyMachine');
      expect(String(parsed.html)).toContain('Acme &#60;b&#62;');
      expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    } finally {
      mailer.onModuleDestroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses a MAIL_URL that is not smtp(s), without repeating it', () => {
    expect(() =>
      loadConfig({
        ...process.env,
        JWT_SECRET: 'x'.repeat(32),
        MM_MASTER_KEYS: 'k1:' + Buffer.alloc(32).toString('base64'),
        DATABASE_URL: 'postgres://x@h/d',
        MAIL_URL: 'http://user:secretpw@host',
      }),
    ).toThrow(/MAIL_URL: expected smtp:\/\//);
    try {
      loadConfig({
        JWT_SECRET: 'x'.repeat(32),
        MM_MASTER_KEYS: 'k1:' + Buffer.alloc(32).toString('base64'),
        DATABASE_URL: 'postgres://x@h/d',
        MAIL_URL: 'http://user:secretpw@host',
      });
    } catch (err) {
      expect((err as Error).message).not.toContain('secretpw');
    }
  });
});
