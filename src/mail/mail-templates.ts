/** The locales system mail is written in; anything else falls back to English. */
export const MAIL_LOCALES = ['en', 'ru'] as const;
export type MailLocale = (typeof MAIL_LOCALES)[number];

export const toMailLocale = (value: string | null | undefined): MailLocale => (value === 'ru' ? 'ru' : 'en');

/** What each kind of account mail needs; every value is plain text (escaped for the HTML part). */
export interface MailParams {
  invitation: { organizationName: string; inviterEmail: string; link: string; expiresAt: Date };
  verifyEmail: { link: string; expiresAt: Date };
  passwordReset: { link: string; expiresAt: Date };
  passwordChanged: Record<string, never>;
  ownerTransferred: { organizationName: string };
}
export type MailTemplate = keyof MailParams;

interface Rendered {
  subject: string;
  /** Paragraphs; a `link` paragraph becomes a link in the HTML part. */
  lines: Array<string | { link: string }>;
}

const when = (d: Date, locale: MailLocale) =>
  d.toLocaleString(locale === 'ru' ? 'ru-RU' : 'en-GB', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' }) + ' UTC';

const TEMPLATES: { [L in MailLocale]: { [T in MailTemplate]: (p: MailParams[T]) => Rendered } } = {
  en: {
    invitation: (p) => ({
      subject: `You are invited to ${p.organizationName} on MonkeyMachine`,
      lines: [
        `${p.inviterEmail} invited you to answer customers of ${p.organizationName} on MonkeyMachine.`,
        'Open this link to choose your name and password:',
        { link: p.link },
        `The link works once, until ${when(p.expiresAt, 'en')}. If you did not expect this, ignore this message.`,
      ],
    }),
    verifyEmail: (p) => ({
      subject: 'Confirm your e-mail address',
      lines: ['Confirm that this address is yours:', { link: p.link }, `The link works once, until ${when(p.expiresAt, 'en')}.`],
    }),
    passwordReset: (p) => ({
      subject: 'Reset your MonkeyMachine password',
      lines: [
        'Someone (hopefully you) asked to reset the password of this account. Choose a new one here:',
        { link: p.link },
        `The link works once, until ${when(p.expiresAt, 'en')}. Setting a new password signs out every other session. If it was not you, ignore this message: your password stays as it is.`,
      ],
    }),
    passwordChanged: () => ({
      subject: 'Your MonkeyMachine password was changed',
      lines: ['The password of your account was just changed, and your other sessions were signed out.', 'If it was not you, reset your password at once.'],
    }),
    ownerTransferred: (p) => ({
      subject: `You are now the owner of ${p.organizationName}`,
      lines: [`The ownership of ${p.organizationName} on MonkeyMachine was transferred to you.`],
    }),
  },
  ru: {
    invitation: (p) => ({
      subject: `Приглашение в ${p.organizationName} на MonkeyMachine`,
      lines: [
        `${p.inviterEmail} приглашает вас отвечать клиентам ${p.organizationName} в MonkeyMachine.`,
        'Откройте ссылку, чтобы указать имя и пароль:',
        { link: p.link },
        `Ссылка одноразовая и действует до ${when(p.expiresAt, 'ru')}. Если вы не ждали этого письма, просто удалите его.`,
      ],
    }),
    verifyEmail: (p) => ({
      subject: 'Подтвердите адрес электронной почты',
      lines: ['Подтвердите, что это ваш адрес:', { link: p.link }, `Ссылка одноразовая и действует до ${when(p.expiresAt, 'ru')}.`],
    }),
    passwordReset: (p) => ({
      subject: 'Сброс пароля MonkeyMachine',
      lines: [
        'Кто-то (надеемся, вы) попросил сбросить пароль этой учётной записи. Новый пароль можно задать здесь:',
        { link: p.link },
        `Ссылка одноразовая и действует до ${when(p.expiresAt, 'ru')}. После смены пароля все остальные сеансы будут завершены. Если это были не вы, ничего не делайте: пароль останется прежним.`,
      ],
    }),
    passwordChanged: () => ({
      subject: 'Пароль MonkeyMachine изменён',
      lines: ['Пароль вашей учётной записи только что изменён, остальные сеансы завершены.', 'Если это были не вы, сразу сбросьте пароль.'],
    }),
    ownerTransferred: (p) => ({
      subject: `Теперь вы владелец ${p.organizationName}`,
      lines: [`Права владельца ${p.organizationName} в MonkeyMachine переданы вам.`],
    }),
  },
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Subject, text and HTML of one account mail in the given locale. */
export function renderMail<T extends MailTemplate>(template: T, locale: MailLocale, params: MailParams[T]): { subject: string; text: string; html: string } {
  const r = (TEMPLATES[locale][template] as (p: MailParams[T]) => Rendered)(params);
  const text = r.lines.map((l) => (typeof l === 'string' ? l : l.link)).join('\n\n') + '\n\n-- \nMonkeyMachine\n';
  const html =
    `<!doctype html><html lang="${locale}"><body>` +
    r.lines.map((l) => (typeof l === 'string' ? `<p>${escapeHtml(l)}</p>` : `<p><a href="${escapeHtml(l.link)}">${escapeHtml(l.link)}</a></p>`)).join('') +
    '</body></html>';
  return { subject: r.subject, text, html };
}
