import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { createTransport } from 'nodemailer';
import { ChannelGateway, ChannelKind, DeliveryFailure, DeliveryReceipt, OutboundDelivery } from '../../../libs/domain/src';
import { isPublicAddress } from '../../common/public-address';
import { outboundMessageId, referencesFor, replyAddress, replySubject } from './email-threading';

/** What a reply needs to know about its thread (looked up per delivery, see EmailStore). */
export interface EmailThreadContext {
  /** The conversation's reply token: Reply-To is reply+<token>@EMAIL_DOMAIN. */
  replyToken: string;
  /** Subject of the message answered (the latest inbound one). */
  subject: string | null;
  /** Message-ID of the message answered. */
  inReplyTo: string | null;
  /** The thread's Message-IDs, oldest first. */
  threadIds: string[];
  /** The message is an automatic one (out of office, a satisfaction survey), not a person's reply. */
  autoReply: boolean;
}

export interface EmailThreadSource {
  forDelivery(channelId: string, messageId: string): Promise<EmailThreadContext>;
}

/** A channel's outgoing SMTP server (config.smtp + credentials.smtpPassword). */
export interface SmtpSettings {
  host: string;
  port: number;
  user: string;
  from: string;
  password: string;
}

export interface EmailGatewayOptions {
  emailDomain: string;
  /** Admits SMTP hosts on loopback/private addresses, and plain-text SMTP to them (development and tests). */
  allowLocalTargets: boolean;
  timeoutMs?: number;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** Errors without an SMTP reply that retrying cannot fix. */
const PERMANENT_CODES = new Set(['EAUTH', 'EENVELOPE', 'EMESSAGE', 'NON_PUBLIC_ADDRESS']);

/**
 * Sorts an SMTP failure: authentication refused (535, or any 5xx to AUTH) -> revoked; 4xx and
 * failures to connect -> retryable; other 5xx (550 mailbox unavailable, 552, 554...) and what
 * retrying cannot fix -> permanent. The text is the server's reply, never a credential.
 */
export function classifySmtpError(err: unknown): DeliveryFailure {
  const e = (err ?? {}) as SmtpError;
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = status ? String(status) : e.code || 'SMTP_ERROR';
  const text = (e.response || e.message || 'SMTP error').replace(/[\r\n]+/g, ' ').slice(0, 500);
  if (status === 535 || (e.code === 'EAUTH' && status !== undefined && status >= 500)) return new DeliveryFailure('revoked', code, text);
  if (status !== undefined && status >= 400 && status < 500) return new DeliveryFailure('retryable', code, text);
  if (status !== undefined && status >= 500) return new DeliveryFailure('permanent', code, text);
  return new DeliveryFailure(e.code && PERMANENT_CODES.has(e.code) ? 'permanent' : 'retryable', code, text);
}

/** One mailbox: no list, no display-name tricks, no header breaks. */
const PLAIN_ADDRESS = /^[^\s@<>,;"()\\]+@[^\s@<>,;"()\\]+\.[^\s@<>,;"()\\]+$|^[^\s@<>,;"()\\]+@localhost$/i;

export function smtpSettingsOf(config: Record<string, unknown>, credentials: Record<string, string>): SmtpSettings {
  const smtp = (config.smtp ?? {}) as Record<string, unknown>;
  return {
    host: String(smtp.host ?? ''),
    port: Number(smtp.port),
    user: String(smtp.user ?? ''),
    from: String(smtp.from ?? ''),
    password: credentials.smtpPassword ?? '',
  };
}

/**
 * Sends replies through the channel's own SMTP server (nodemailer): the Customer's address stays
 * the sender, and Reply-To brings the End User's answer back to us. Every mail gets a unique
 * Message-ID (derived from our message id, so a retry after a timeout reuses it), In-Reply-To and
 * References of the thread, and "Re: <subject>". The SMTP host is the Customer's input: it must
 * resolve to public addresses only, and the connection goes to the address checked (no DNS
 * rebinding); the password is only ever sent over TLS.
 */
export class EmailGateway extends ChannelGateway {
  readonly kinds: readonly ChannelKind[] = ['email'];

  constructor(
    private readonly opts: EmailGatewayOptions,
    private readonly threads?: EmailThreadSource,
  ) {
    super();
  }

  async send(d: OutboundDelivery): Promise<DeliveryReceipt> {
    if (d.template) throw new DeliveryFailure('permanent', 'TEMPLATE_NOT_SUPPORTED', 'E-mail has no message templates; send text');
    if (!d.text?.trim() && !d.files?.length) throw new DeliveryFailure('permanent', 'EMPTY_MESSAGE', 'Nothing to send: an e-mail reply needs text or a file');
    if (!d.messageId) throw new DeliveryFailure('permanent', 'EMAIL_NO_MESSAGE_ID', 'An e-mail delivery needs the id of the message it delivers');
    if (!PLAIN_ADDRESS.test(d.recipientId))
      throw new DeliveryFailure('permanent', 'INVALID_RECIPIENT', "The End User's e-mail address is not a single plain address");
    if (!this.threads) throw new DeliveryFailure('retryable', 'EMAIL_NOT_READY', 'E-mail threads are not available yet');

    const settings = smtpSettingsOf(d.channel.config, d.channel.credentials);
    const thread = await this.threads.forDelivery(d.channel.id, d.messageId);
    const messageId = outboundMessageId(d.messageId, this.opts.emailDomain);
    const references = referencesFor([...thread.threadIds.filter((id) => id !== thread.inReplyTo), ...(thread.inReplyTo ? [thread.inReplyTo] : [])]);
    await this.withTransport(settings, (transport) =>
      transport.sendMail({
        from: settings.from,
        to: d.recipientId,
        replyTo: replyAddress(thread.replyToken, this.opts.emailDomain),
        subject: replySubject(thread.subject),
        text: d.text ?? '',
        // Real MIME parts, each streamed from storage as nodemailer encodes it.
        ...(d.files?.length ? { attachments: d.files.map((f) => ({ filename: f.fileName, contentType: f.mimeType, content: Readable.from(f.open()) })) } : {}),
        messageId,
        ...(thread.inReplyTo ? { inReplyTo: thread.inReplyTo } : {}),
        ...(references.length ? { references } : {}),
        // RFC 3834: marked as automatic, so other responders (vacation, ticket systems) do not answer it
        // and loop; Exchange honours only its own header for that.
        ...(thread.autoReply ? { headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } } : {}),
        disableFileAccess: true,
        disableUrlAccess: true,
      }),
    );
    return { externalId: messageId };
  }

  /** Connects and logs in, as connecting a channel checks the settings (throws a DeliveryFailure). */
  verify(settings: SmtpSettings): Promise<void> {
    return this.withTransport(settings, async (transport) => {
      await transport.verify();
    });
  }

  private async withTransport<T>(settings: SmtpSettings, use: (t: ReturnType<typeof createTransport>) => Promise<T>): Promise<T> {
    const address = await this.addressOf(settings.host);
    const local = !isPublicAddress(address);
    const timeout = this.opts.timeoutMs ?? 15_000;
    const transport = createTransport({
      host: address,
      port: settings.port,
      secure: settings.port === 465,
      // The password never travels in clear, except to a local relay where local targets are allowed.
      requireTLS: settings.port !== 465 && !(local && this.opts.allowLocalTargets),
      tls: { ...(isIP(settings.host) ? {} : { servername: settings.host }), minVersion: 'TLSv1.2' },
      auth: { user: settings.user, pass: settings.password },
      name: this.opts.emailDomain,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 2,
      logger: false,
      debug: false,
    });
    try {
      return await use(transport);
    } catch (err) {
      throw err instanceof DeliveryFailure ? err : classifySmtpError(err);
    } finally {
      transport.close();
    }
  }

  /** The address to connect to: checked once and then used, so the answer cannot change in between. */
  private async addressOf(host: string): Promise<string> {
    const literal = host.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(literal)) addresses = [literal];
    else {
      try {
        addresses = (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
      } catch (err) {
        throw new DeliveryFailure('retryable', 'EDNS', `The SMTP host ${host} could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'DNS error'})`);
      }
    }
    if (addresses.length === 0) throw new DeliveryFailure('retryable', 'EDNS', `The SMTP host ${host} has no address`);
    if (!this.opts.allowLocalTargets && addresses.some((a) => !isPublicAddress(a))) {
      throw new DeliveryFailure(
        'permanent',
        'NON_PUBLIC_ADDRESS',
        `The SMTP host ${host} is not on a public address (allowed only with WEBHOOKS_ALLOW_LOCAL_TARGETS=on, for development)`,
      );
    }
    return addresses[0];
  }
}
