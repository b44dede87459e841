import { type ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  /** The user name the client logged in with. */
  user: string | undefined;
  mailFrom: string | null;
  rcptTo: string[];
  raw: string;
  parsed: ParsedMail;
}

/** Where a scripted failure answers. */
export type SmtpStage = 'connect' | 'mail' | 'rcpt' | 'data';

/**
 * A Customer's outgoing mail server, on loopback: requires AUTH (PLAIN/LOGIN over the plain
 * connection, as a local relay may), records every mail it accepts, and can refuse the next
 * transaction at a chosen stage with a chosen SMTP reply.
 */
export class SimulatedSmtp {
  readonly mails: SunkMail[] = [];
  readonly logins: Array<{ user: string; ok: boolean }> = [];
  private server?: SMTPServer;
  private failures: Array<{ stage: SmtpStage; code: number; text: string }> = [];
  port = 0;
  /** User name -> password of the accounts it accepts. */
  private readonly accounts = new Map<string, string>();

  constructor(user: string, password: string) {
    this.accounts.set(user, password);
  }

  /** From now on only this account is accepted (the Customer changed its password). */
  credentials(user: string, password: string): void {
    this.accounts.clear();
    this.accounts.set(user, password);
  }

  /** One more account it accepts (the sandbox gives each e-mail channel its own). */
  account(user: string, password: string): this {
    this.accounts.set(user, password);
    return this;
  }

  failNext(stage: SmtpStage, code: number, text: string): void {
    this.failures.push({ stage, code, text });
  }

  private failure(stage: SmtpStage): Error | null {
    const i = this.failures.findIndex((f) => f.stage === stage);
    if (i < 0) return null;
    const [f] = this.failures.splice(i, 1);
    return Object.assign(new Error(f.text), { responseCode: f.code });
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      name: 'smtp.acme.test',
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onConnect: (_session, cb) => cb(this.failure('connect')),
      onAuth: (auth, _session, cb) => {
        const ok = auth.username !== undefined && this.accounts.get(auth.username) === auth.password;
        this.logins.push({ user: auth.username ?? '', ok });
        if (!ok) return cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
        cb(null, { user: auth.username });
      },
      onMailFrom: (_address, _session, cb) => cb(this.failure('mail')),
      onRcptTo: (_address, _session, cb) => cb(this.failure('rcpt')),
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          const failed = this.failure('data');
          if (failed) return cb(failed);
          const raw = Buffer.concat(chunks);
          this.mails.push({
            user: session.user as string | undefined,
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            raw: raw.toString('utf8'),
            parsed: await simpleParser(raw),
          });
          cb(null, 'queued');
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
