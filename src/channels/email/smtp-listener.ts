import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { AppConfig } from '../../config/app-config';
import { InboundInbox } from '../../ingest/inbound-inbox.service';
import { readEmail } from './email.mapper';
import { EmailRecipient, EmailStore } from './email.store';
import { replyTokenOf, splitAddress } from './email-threading';

/** More recipients than this in one transaction are asked to come back (452). */
export const MAX_RECIPIENTS = 50;

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/**
 * The built-in inbound mail server: the MX of EMAIL_DOMAIN. It accepts mail only for what it
 * knows — a connected channel's address, or reply+<token> of a conversation — and refuses every
 * other recipient at RCPT time (550), so it never relays and never bounces after the fact.
 * A mail is parsed and stored durably (its headers and parts in the tenant's region, then the
 * inbox event, deduplicated on Message-ID) before DATA is answered 250; if storing fails the
 * answer is 451 and the sending server retries later. STARTTLS is offered when a certificate is
 * configured; the size limit is announced (SIZE) and enforced (552).
 */
@Injectable()
export class SmtpListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(SmtpListener.name);
  private server?: SMTPServer;
  /** What each accepted RCPT resolved to (smtp-server keeps the same address object in the envelope). */
  private readonly resolved = new WeakMap<SMTPServerAddress, EmailRecipient>();

  constructor(
    private readonly config: AppConfig,
    private readonly store: EmailStore,
    private readonly inbox: InboundInbox,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.smtp.port > 0) await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The port it listens on (null when off). */
  get port(): number | null {
    const address = this.server?.server.address() as AddressInfo | null | undefined;
    return address?.port ?? null;
  }

  private async start(): Promise<void> {
    const { tlsCertFile, tlsKeyFile, maxMessageBytes, port, host } = this.config.smtp;
    const tls = tlsCertFile && tlsKeyFile ? { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) } : null;
    const server = new SMTPServer({
      name: this.config.emailDomain,
      banner: 'MonkeyMachine inbound mail',
      size: maxMessageBytes,
      rejectOversized: true,
      // An MX: anyone may deliver to the addresses we own; nobody logs in or relays.
      authOptional: true,
      disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      ...(tls ?? {}),
      disableReverseLookup: true,
      maxRecipients: MAX_RECIPIENTS,
      maxClients: 500,
      socketTimeout: 60_000,
      closeTimeout: 10_000,
      logger: false,
      onRcptTo: (address, _session, callback) => {
        this.recipient(address).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      },
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          (reply) => callback(null, reply),
          (err: Error) => callback(err),
        );
      },
    });
    server.on('error', (err) => this.log.warn(`SMTP: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(`SMTP_PORT ${port} is already in use: set SMTP_PORT to a free port, or to 0 to turn the inbound e-mail listener off`)
            : err,
        ),
      );
      server.listen(port, host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.log.log(`SMTP listener for @${this.config.emailDomain} on ${host}:${this.port}${tls ? ' (STARTTLS)' : ''}`);
  }

  private async recipient(address: SMTPServerAddress): Promise<void> {
    const parts = splitAddress(address.address);
    if (!parts || parts.domain !== this.config.emailDomain.toLowerCase())
      throw smtpError(550, '5.7.1 Relaying denied: this server only accepts mail for its own addresses');
    let found: EmailRecipient | null;
    try {
      const token = replyTokenOf(address.address, this.config.emailDomain);
      found = token ? await this.store.byReplyToken(token) : await this.store.byAddress(`${parts.local}@${parts.domain}`);
    } catch (err) {
      this.log.error(`SMTP: recipient lookup failed: ${(err as Error).message}`);
      throw smtpError(451, '4.3.0 Temporary failure looking up the recipient, try again later');
    }
    if (!found) throw smtpError(550, '5.1.1 No such recipient here');
    this.resolved.set(address, found);
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of stream) {
      // Past the limit the rest is read and dropped, never held in memory.
      bytes += (chunk as Buffer).length;
      if (bytes <= this.config.smtp.maxMessageBytes) chunks.push(chunk as Buffer);
    }
    // rejectOversized answers 552 itself; nothing of an oversized mail is kept.
    if (stream.sizeExceeded || bytes > this.config.smtp.maxMessageBytes) throw smtpError(552, '5.3.4 Message too big');
    const raw = Buffer.concat(chunks);

    // One copy per channel; a reply+<token> recipient wins over the same channel's plain address.
    const byChannel = new Map<string, EmailRecipient>();
    for (const rcpt of session.envelope.rcptTo) {
      const r = this.resolved.get(rcpt);
      if (!r) continue;
      const seen = byChannel.get(r.route.channelId);
      if (!seen || (!seen.conversationId && r.conversationId)) byChannel.set(r.route.channelId, r);
    }
    if (byChannel.size === 0) throw smtpError(554, '5.5.1 No valid recipients');

    let read;
    try {
      const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true, keepCidLinks: false, skipHtmlToText: true });
      read = readEmail(parsed, raw, session.envelope.mailFrom ? session.envelope.mailFrom.address : null, new Date());
    } catch (err) {
      this.log.warn(`SMTP: unreadable message: ${(err as Error).message}`);
      throw smtpError(554, '5.6.0 The message could not be parsed');
    }
    if (!read) throw smtpError(550, '5.1.7 The message names no sender');

    const { payload, parts } = read;
    let result;
    try {
      for (const r of byChannel.values()) await this.store.saveMail(r.route, payload.emailMessageKey, payload.subject, parts);
      result = await this.inbox.accept(
        [...byChannel.values()].map((r) => ({
          kind: 'email' as const,
          routingKey: r.routingKey,
          dedupeKey: `mail:${payload.emailMessageKey}`,
          payload: { ...payload, conversationId: r.conversationId } as unknown as Record<string, unknown>,
        })),
      );
    } catch (err) {
      this.log.error(`SMTP: could not store a message: ${(err as Error).message}`);
      throw smtpError(451, '4.3.0 Temporary storage failure, try again later');
    }
    // Every channel was disconnected since RCPT: the mailbox no longer exists.
    if (result.unrouted === byChannel.size) throw smtpError(550, '5.1.1 No such recipient here');
    return 'OK: message accepted';
  }
}
