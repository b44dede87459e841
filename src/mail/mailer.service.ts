import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '../config/app-config';
import { MailLocale, MailParams, MailTemplate, renderMail } from './mail-templates';

export interface SystemMail<T extends MailTemplate = MailTemplate> {
  to: string;
  locale: MailLocale;
  template: T;
  params: MailParams[T];
}

/**
 * The one sender of account mail (invitations, address verification, password reset). With
 * MAIL_URL it speaks SMTP to that server; without it (local runs, tests) every mail is written as
 * an .eml file under DATA_DIR/mail and the log says where. The log never shows a link: links
 * carry single-use tokens.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly log = new Logger('Mailer');
  private readonly smtp: Transporter | null;
  private readonly files: Transporter | null;
  readonly mailDir: string;

  constructor(private readonly config: AppConfig) {
    this.mailDir = resolve(config.dataDir, 'mail');
    this.smtp = config.mail.url ? createTransport(config.mail.url, { from: config.mail.from }) : null;
    this.files = config.mail.url ? null : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** Where mail goes, for the start-up log and /health: never the URL's password. */
  describe(): string {
    if (!this.config.mail.url) return `files under ${this.mailDir}`;
    const u = new URL(this.config.mail.url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
  }

  async send<T extends MailTemplate>(mail: SystemMail<T>): Promise<void> {
    const { subject, text, html } = renderMail(mail.template, mail.locale, mail.params);
    const message = { from: this.config.mail.from, to: mail.to, subject, text, html, headers: { 'Auto-Submitted': 'auto-generated' } };
    if (this.smtp) {
      await this.smtp.sendMail(message);
      return;
    }
    const info = await this.files!.sendMail(message);
    await mkdir(this.mailDir, { recursive: true });
    const file = join(this.mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.template}-${randomUUID().slice(0, 8)}.eml`);
    await writeFile(file, info.message as Buffer, { mode: 0o600 });
    this.log.log(`${mail.template} mail written to ${file} (MAIL_URL is not set)`);
  }

  onModuleDestroy(): void {
    this.smtp?.close();
  }
}
