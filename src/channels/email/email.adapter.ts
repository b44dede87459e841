import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DeliveryFailure, DomainError, TenantRef, invalid, notFound, rejected } from '../../../libs/domain/src';
import { EMAIL_MEDIA_LIMITS } from '../../../libs/policy/src';
import { AppConfig } from '../../config/app-config';
import { emailAddress } from '../core/addresses';
import {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelInboundMedia,
  ChannelKit,
  ConnectContext,
  ConnectResult,
  MediaChannel,
  MediaContent,
  ValidatedChannel,
} from '../core/channel-adapter';
import { MediaFetchFailure } from '../core/media-fetch';
import { EmailGateway, smtpSettingsOf } from './email.gateway';
import { StoredEmail, mapEmailPayload, partIndexOf } from './email.mapper';
import { EmailStore } from './email.store';

const LOCAL_PART = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$|^\d{1,3}(?:\.\d{1,3}){3}$|^\[[0-9a-f:.]+\]$/i;
const MAILBOX = /^[^\s@<>,;"()\\]{1,64}@[a-z0-9.-]{1,253}$/i;
const DISPLAY_NAME = /^[^\r\n<>"\\]{1,100}$/;
const USER = /^[^\r\n]{1,320}$/;
const PASSWORD = /^[^\r\n]{1,1024}$/;
/** Local parts we keep for ourselves on EMAIL_DOMAIN (`+` is not allowed, so reply+<token> is ours too). */
const RESERVED = new Set(['reply', 'postmaster', 'abuse', 'mailer-daemon', 'noreply', 'no-reply']);

/** `addr@host` or `Display Name <addr@host>`; null when it is neither (or could break a header). */
export function parseFrom(raw: string): string | null {
  const v = raw.trim();
  if (MAILBOX.test(v)) return v;
  const m = /^"?([^"<>]*?)"?\s*<([^<>]+)>$/.exec(v);
  if (!m || !MAILBOX.test(m[2]) || (m[1] && !DISPLAY_NAME.test(m[1]))) return null;
  return m[1] ? `"${m[1].trim()}" <${m[2]}>` : m[2];
}

/**
 * config {address, smtp{host, port, user, from}} / credentials {smtpPassword}. The inbound address
 * must be at EMAIL_DOMAIN: that is the domain whose MX is the built-in SMTP listener, so it is the
 * only mail we can receive; a Customer forwards their own support address to it. The routing key
 * is the address in lower case (unique across tenants through the directory). Replies leave
 * through the Customer's own SMTP server as `smtp.from`, so the End User sees the Customer's address.
 */
export function validateEmailChannel(emailDomain: string, config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
  const problems: string[] = [];
  for (const key of Object.keys(config)) if (key !== 'address' && key !== 'smtp') problems.push(`config.${key} is not a field of email`);
  for (const key of Object.keys(credentials)) if (key !== 'smtpPassword') problems.push(`credentials.${key} is not a field of email`);

  const domain = emailDomain.toLowerCase();
  let address: string | null = null;
  if (typeof config.address !== 'string') problems.push(`config.address is missing: the inbound address, e.g. support-acme@${domain}`);
  else {
    const a = config.address.trim().toLowerCase();
    const at = a.lastIndexOf('@');
    const local = a.slice(0, at);
    if (at <= 0 || a.slice(at + 1) !== domain) problems.push(`config.address must be an address at ${domain} (forward your own support address to it)`);
    else if (!LOCAL_PART.test(local) || RESERVED.has(local)) {
      problems.push(
        `config.address must be letters, digits, dots, dashes or underscores before @${domain}, and not a reserved name (reply, postmaster, abuse...)`,
      );
    } else address = a;
  }

  const smtp = config.smtp;
  let outgoing: Record<string, unknown> | null = null;
  if (!smtp || typeof smtp !== 'object' || Array.isArray(smtp)) problems.push('config.smtp is missing: {host, port, user, from} of your outgoing mail server');
  else {
    const s = smtp as Record<string, unknown>;
    for (const key of Object.keys(s)) if (!['host', 'port', 'user', 'from'].includes(key)) problems.push(`config.smtp.${key} is not a field of email`);
    const port = typeof s.port === 'string' && /^\d+$/.test(s.port) ? Number(s.port) : s.port;
    if (typeof s.host !== 'string' || !HOST.test(s.host.trim())) problems.push('config.smtp.host must be a host name or IP address, e.g. smtp.example.com');
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      problems.push('config.smtp.port must be a port number (587 for STARTTLS, 465 for TLS)');
    if (typeof s.user !== 'string' || !USER.test(s.user)) problems.push('config.smtp.user is missing or malformed');
    const from = typeof s.from === 'string' ? parseFrom(s.from) : null;
    if (!from) problems.push('config.smtp.from must be the sender address, e.g. support@example.com or "Acme Support" <support@example.com>');
    outgoing = {
      host: String(s.host ?? '')
        .trim()
        .toLowerCase(),
      port,
      user: s.user,
      from,
    };
  }
  if (typeof credentials.smtpPassword !== 'string' || !PASSWORD.test(credentials.smtpPassword))
    problems.push('credentials.smtpPassword is missing or malformed');

  if (problems.length) throw invalid('VALIDATION_FAILED', problems.join('; '));
  return { config: { address, smtp: outgoing }, credentials: { smtpPassword: credentials.smtpPassword as string }, routingKey: address };
}

/**
 * E-mail: inbound through the built-in SMTP listener (smtp-listener.ts), outbound through the
 * Customer's SMTP server. Connecting logs in to that server once, so a wrong password or host is
 * refused at once rather than on the first reply. A mail's parts exist nowhere else, so they are
 * kept in the tenant's database at arrival and served from there (as downloads) until the media
 * job has copied them into the media store, which then keeps them alone.
 */
@ChannelKit()
@Injectable()
export class EmailAdapter implements ChannelAdapter<StoredEmail> {
  readonly kind = 'email';
  readonly processors: string[] = [];
  readonly dataOrigin = 'email';
  readonly capabilities: ChannelCapabilities = {
    attachments: false,
    media: EMAIL_MEDIA_LIMITS,
    newAddresses: { address: emailAddress, hint: 'to must be an e-mail address' },
  };
  readonly map = mapEmailPayload;
  readonly gateway: EmailGateway;
  readonly media = {
    open: (tenant: TenantRef, channel: MediaChannel, attachment: { ref: string; externalMessageId: string | null }) =>
      this.openPart(tenant, channel, attachment),
  };

  constructor(
    private readonly config: AppConfig,
    private readonly store: EmailStore,
  ) {
    this.gateway = new EmailGateway({ emailDomain: config.emailDomain, allowLocalTargets: config.webhooksAllowLocalTargets }, store);
  }

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
    return validateEmailChannel(this.config.emailDomain, config, credentials);
  }

  async connect(ctx: ConnectContext): Promise<ConnectResult> {
    try {
      await this.gateway.verify(smtpSettingsOf(ctx.config, ctx.credentials));
    } catch (err) {
      if (!(err instanceof DeliveryFailure)) throw err;
      if (err.platformCode === 'NON_PUBLIC_ADDRESS') throw invalid('EMAIL_SMTP_HOST_NOT_ALLOWED', `config.smtp.host: ${err.platformText}`);
      if (err.kind === 'retryable')
        throw new DomainError(
          'unavailable',
          'EMAIL_SMTP_UNREACHABLE',
          `The SMTP server could not be reached to check the settings (${err.platformCode}); try again shortly`,
        );
      throw invalid('EMAIL_SMTP_REFUSED', `The SMTP server refused the settings: ${err.platformCode} ${err.platformText}`);
    }
    return {};
  }

  /** A mail's parts are kept aside at arrival (email_attachments): copied from there into the media store like any inbound file. */
  readonly inboundMedia: ChannelInboundMedia = {
    limits: EMAIL_MEDIA_LIMITS,
    copyable: (a) => partIndexOf(a.ref) !== null,
    fetch: async (tenant, channel, attachment, externalMessageId) => {
      const part = await this.store.readPart(tenant, channel.id, externalMessageId, partIndexOf(attachment.ref)!);
      if (!part) throw new MediaFetchFailure('not_found', 'The e-mail part is no longer kept');
      return { stream: Readable.from([part.content]), length: part.content.length, ...(part.name ? { fileName: part.name } : {}) };
    },
    // The media store has the bytes now: keeping them twice would only double the tenant's storage.
    copied: (tenant, channel, attachment, externalMessageId) => this.store.dropPart(tenant, channel.id, externalMessageId, partIndexOf(attachment.ref)!),
  };

  private async openPart(tenant: TenantRef, channel: MediaChannel, attachment: { ref: string; externalMessageId: string | null }): Promise<MediaContent> {
    const idx = partIndexOf(attachment.ref);
    if (idx === null || !attachment.externalMessageId) throw rejected('MEDIA_UNAVAILABLE', 'The media can no longer be fetched from the platform');
    const part = await this.store.readPart(tenant, channel.id, attachment.externalMessageId, idx);
    if (!part) throw notFound('ATTACHMENT_NOT_FOUND', 'This attachment has no content to fetch');
    return {
      stream: new Blob([new Uint8Array(part.content)]).stream(),
      mimeType: part.mimeType,
      length: part.content.length,
      fileName: part.name ?? `attachment-${idx}`,
    };
  }
}
