import { createHmac } from 'node:crypto';
import type { SandboxPlatforms } from './sandbox-platforms';

/**
 * The sandbox organization's platform accounts: a Facebook Page, an Instagram account, a WhatsApp
 * number, a Telegram bot, a Twilio number, a mailbox at the Customer's mail server. Derived from
 * the organization's random seed, so a restart connects the same accounts again (and a second
 * sandbox organization, made after its state file was lost, claims other ones).
 */
export interface SandboxAccounts {
  pageId: string;
  pageToken: string;
  igAccountId: string;
  igToken: string;
  phoneNumberId: string;
  wabaId: string;
  whatsappToken: string;
  botToken: string;
  accountSid: string;
  authToken: string;
  smsNumber: string;
  smtpUser: string;
  smtpPassword: string;
  mailboxLocalPart: string;
}

const derive = (seed: string, label: string) => createHmac('sha256', seed).update(label).digest();
const hex = (seed: string, label: string, length: number) => derive(seed, label).toString('hex').slice(0, length);
/** `length` decimal digits (a platform id spelled as Graph and Telegram spell theirs). */
const digits = (seed: string, label: string, length: number) =>
  BigInt(`0x${derive(seed, label).toString('hex')}`)
    .toString()
    .slice(0, length);

export function sandboxAccounts(seed: string): SandboxAccounts {
  const botId = `7${digits(seed, 'bot', 9)}`;
  return {
    pageId: `10${digits(seed, 'page', 13)}`,
    pageToken: `EAAB${hex(seed, 'page-token', 40)}`,
    igAccountId: `178${digits(seed, 'instagram', 14)}`,
    igToken: `EAAI${hex(seed, 'instagram-token', 40)}`,
    phoneNumberId: `11${digits(seed, 'phone-number', 13)}`,
    wabaId: `12${digits(seed, 'waba', 13)}`,
    whatsappToken: `EAAG${hex(seed, 'whatsapp-token', 40)}`,
    botToken: `${botId}:AA${derive(seed, 'bot-token').toString('base64url').slice(0, 33)}`,
    accountSid: `AC${hex(seed, 'twilio-account', 32)}`,
    authToken: hex(seed, 'twilio-token', 32),
    // +1 415 555 01xx-style numbers: valid for libphonenumber, owned by nobody.
    smsNumber: `+1415555${digits(seed, 'sms-number', 4)}`,
    smtpUser: `sandbox-${hex(seed, 'smtp-user', 8)}`,
    smtpPassword: hex(seed, 'smtp-password', 32),
    mailboxLocalPart: `sandbox-${hex(seed, 'mailbox', 8)}`,
  };
}

/** Tells each simulated platform which credentials control which account (a restart forgets). */
export function admitAccounts(platforms: SandboxPlatforms, a: SandboxAccounts): void {
  platforms.graph.page(a.pageId, a.pageToken, { name: 'Sandbox Shop' });
  platforms.graph.instagram(a.igAccountId, a.igToken, { username: 'sandbox_shop' });
  platforms.graph.whatsapp(a.phoneNumberId, a.wabaId, a.whatsappToken, { verifiedName: 'Sandbox Shop', displayPhoneNumber: '+1 555-010-0000' });
  platforms.telegram.bot(a.botToken, 'sandbox_shop_bot');
  platforms.twilio.account(a.accountSid, a.authToken, [a.smsNumber]);
  platforms.smtp.account(a.smtpUser, a.smtpPassword);
}
