import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { conflict, rejected } from '../../libs/domain/src';
import type { Channel } from '../channels/core/channel.service';
import { signMetaBody } from '../channels/meta/meta-signature';
import type { AppConfig } from '../config/app-config';
import { formBody, signLikeTwilio, twilioSid } from './platforms/simulated-twilio';
import type { SandboxPlatforms } from './sandbox-platforms';

/** A customer's message as the sandbox is asked to simulate it. */
export interface SimulatedMessage {
  text: string;
  /** The customer's name; the same name on the same channel is the same person (one conversation). */
  customer: string;
  /** E-mail only. */
  subject?: string;
}

/** Who wrote, as the platform names them (PSID, wa_id, chat id, phone number, address, visitor). */
export interface SimulatedDelivery {
  address: string;
}

/** What a simulated platform received for a channel: one reply (or one attempt at one). */
export interface ReceivedItem {
  to: string;
  text: string | null;
  subject: string | null;
  /** The request as the platform received it: the JSON body, Twilio's form, the mail's headers and text. */
  payload: Record<string, unknown>;
}

const notSimulated = (why: string) => conflict('SANDBOX_CHANNEL_NOT_SIMULATED', `This channel's platform is not simulated by the sandbox: ${why}`);

/** A stable number per channel and customer name: the same name writes from the same account. */
const numberOf = (channelId: string, customer: string, length: number) =>
  BigInt(`0x${createHash('sha256').update(`${channelId}\n${customer.toLowerCase()}`).digest('hex')}`)
    .toString()
    .slice(0, length);

const slug = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.+|\.+$/g, '') || 'customer';

/** Telegram's update ids grow per bot; seconds since the epoch fit its int32 and keep growing across restarts. */
let telegramUpdateId = Math.floor(Date.now() / 1000);

/**
 * The customers of the sandbox: each writes the way its platform delivers a message, over HTTP
 * (or SMTP) to this app's own listener, signed as that platform signs (Meta's X-Hub-Signature-256
 * with the app secret, Twilio's signature with the account's Auth Token, Telegram's secret token
 * from setWebhook), so the inbox receives it through the real webhook path. What the simulated
 * platforms received back is read from their records.
 */
export class SimulatedCustomers {
  /** Web chat session tokens by channel and customer name (a visitor's browser keeps its own the same way). */
  private readonly visitors = new Map<string, Map<string, string>>();

  constructor(
    private readonly config: AppConfig,
    private readonly platforms: SandboxPlatforms,
  ) {}

  /** This app's own listener: platforms reach it as they would through PUBLIC_BASE_URL. */
  private get self(): string {
    const host = ['0.0.0.0', '::', ''].includes(this.config.host) ? '127.0.0.1' : this.config.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.config.port}`;
  }

  async write(channel: Channel, m: SimulatedMessage): Promise<SimulatedDelivery> {
    if (channel.status !== 'active') throw notSimulated(`the channel is ${channel.status}`);
    switch (channel.kind) {
      case 'messenger':
        return this.messenger(channel, m);
      case 'instagram':
        return this.instagram(channel, m);
      case 'whatsapp':
        return this.whatsapp(channel, m);
      case 'telegram':
        return this.telegram(channel, m);
      case 'sms':
        return this.sms(channel, m);
      case 'email':
        return this.email(channel, m);
      case 'webchat':
        return this.webchat(channel, m);
      default:
        throw notSimulated(`the sandbox has no simulation of ${channel.kind}`);
    }
  }

  async received(channel: Channel): Promise<ReceivedItem[]> {
    const c = channel.config;
    switch (channel.kind) {
      case 'messenger':
      case 'instagram':
      case 'whatsapp': {
        const accountId = String(channel.kind === 'messenger' ? c.pageId : channel.kind === 'instagram' ? c.igAccountId : c.phoneNumberId);
        return this.platforms.graph.calls
          .filter((call) => call.method === 'POST' && call.path === `/${accountId}/messages`)
          .map((call) => ({
            to: String(call.body?.recipient?.id ?? call.body?.to ?? ''),
            text: call.body?.message?.text ?? call.body?.text?.body ?? null,
            subject: null,
            payload: call.body ?? {},
          }));
      }
      case 'telegram':
        return this.platforms.telegram.calls
          .filter((call) => call.token.split(':')[0] === String(c.botId) && call.method.startsWith('send'))
          .map((call) => ({ to: String(call.body.chat_id ?? ''), text: call.body.text ?? call.body.caption ?? null, subject: null, payload: call.body }));
      case 'sms':
        return this.platforms.twilio
          .callsTo(this.platforms.twilio.messagesPath(String(c.accountSid)))
          .filter((call) => call.form.From === c.phoneNumber)
          .map((call) => ({ to: call.form.To ?? '', text: call.form.Body ?? null, subject: null, payload: call.form }));
      case 'email': {
        const user = (c.smtp as { user?: string } | undefined)?.user;
        return this.platforms.smtp.mails
          .filter((mail) => mail.user === user)
          .map((mail) => ({
            to: mail.rcptTo.join(', '),
            text: mail.parsed.text?.trim() ?? null,
            subject: mail.parsed.subject ?? null,
            payload: { mailFrom: mail.mailFrom, rcptTo: mail.rcptTo, subject: mail.parsed.subject ?? null, text: mail.parsed.text ?? null },
          }));
      }
      case 'webchat':
        return this.webchatReplies(channel);
      default:
        throw notSimulated(`the sandbox has no simulation of ${channel.kind}`);
    }
  }

  /** Posts `body` to this app as the platform would and checks that it was taken. */
  private async post(path: string, body: string, headers: Record<string, string>): Promise<Response> {
    const res = await fetch(`${this.self}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) {
      const answer = await res.text().catch(() => '');
      throw rejected(
        'SANDBOX_DELIVERY_REFUSED',
        `The app answered the simulated platform's ${path.split('/')[2] ?? ''} webhook with ${res.status} ${answer.slice(0, 300)}`,
      );
    }
    return res;
  }

  private async postMeta(body: unknown): Promise<void> {
    const secret = this.config.meta.appSecret;
    if (!secret) throw notSimulated('META_APP_SECRET is not set, so the app refuses every Meta webhook');
    const raw = JSON.stringify(body);
    await this.post('/webhooks/meta', raw, { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(secret, raw) });
  }

  private async messenger(channel: Channel, m: SimulatedMessage): Promise<SimulatedDelivery> {
    const pageId = String(channel.config.pageId);
    const psid = `2${numberOf(channel.id, m.customer, 15)}`;
    const [first, ...rest] = m.customer.split(' ');
    this.platforms.graph.profile(pageId, psid, { first_name: first, last_name: rest.join(' ') });
    const now = Date.now();
    await this.postMeta({
      object: 'page',
      entry: [
        {
          id: pageId,
          time: now,
          messaging: [{ sender: { id: psid }, recipient: { id: pageId }, timestamp: now, message: { mid: `m_${randomUUID()}`, text: m.text } }],
        },
      ],
    });
    return { address: psid };
  }

  private async instagram(channel: Channel, m: SimulatedMessage): Promise<SimulatedDelivery> {
    const igAccountId = String(channel.config.igAccountId);
    const igsid = `5${numberOf(channel.id, m.customer, 15)}`;
    this.platforms.graph.profile(igAccountId, igsid, { name: m.customer, username: slug(m.customer).replace(/\./g, '_') });
    const now = Date.now();
    await this.postMeta({
      object: 'instagram',
      entry: [
        {
          id: igAccountId,
          time: now,
          messaging: [{ sender: { id: igsid }, recipient: { id: igAccountId }, timestamp: now, message: { mid: `aWdf_${randomUUID()}`, text: m.text } }],
        },
      ],
    });
    return { address: igsid };
  }

  private async whatsapp(channel: Channel, m: SimulatedMessage): Promise<SimulatedDelivery> {
    const waId = `49151${numberOf(channel.id, m.customer, 8)}`;
    await this.postMeta({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: String(channel.config.wabaId),
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550100000', phone_number_id: String(channel.config.phoneNumberId) },
                contacts: [{ profile: { name: m.customer }, wa_id: waId }],
                messages: [{ from: waId, id: `wamid.${randomUUID()}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: m.text } }],
              },
            },
          ],
        },
      ],
    });
    return { address: waId };
  }

  private async telegram(channel: Channel, m: SimulatedMessage): Promise<SimulatedDelivery> {
    const webhook = this.platforms.telegram.webhookOfBot(Number(channel.config.botId));
    if (!webhook) throw notSimulated('the simulated Telegram has no webhook for this bot');
    const chatId = Number(`6${numberOf(channel.id, m.customer, 9)}`);
    const [first, ...rest] = m.customer.split(' ');
    const from = { id: chatId, is_bot: false, first_name: first, ...(rest.length ? { last_name: rest.join(' ') } : {}) };
    const update = {
      update_id: ++telegramUpdateId,
      message: { message_id: telegramUpdateId, from, chat: { ...from, is_bot: undefined, type: 'private' }, date: Math.floor(Date.now() / 1000), text: m.text },
    };
    // Telegram calls the URL given to setWebhook; here its path, on this app's own listener.
    await this.post(new URL(webhook.url).pathname, JSON.stringify(update), {
      'content-type': 'application/json',
      'x-telegram-bot-api-secret-token': webhook.secret,
    });
    return { address: String(chatId) };
  }

  private async sms(channel: Channel, m: SimulatedMessage): Promise<SimulatedDelivery> {
    const accountSid = String(channel.config.accountSid);
    const authToken = this.platforms.twilio.authTokenOf(accountSid);
    if (!authToken) throw notSimulated('the simulated Twilio has no such account');
    const from = `+1415555${numberOf(channel.id, m.customer, 4)}`;
    const sid = twilioSid('SM');
    const params = {
      ToCountry: 'US',
      SmsMessageSid: sid,
      NumMedia: '0',
      SmsSid: sid,
      SmsStatus: 'received',
      Body: m.text,
      To: String(channel.config.phoneNumber),
      NumSegments: '1',
      MessageSid: sid,
      AccountSid: accountSid,
      From: from,
      FromCountry: 'US',
      ApiVersion: '2010-04-01',
    };
    const path = `/webhooks/twilio/${channel.id}`;
    await this.post(path, formBody(params), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signLikeTwilio(authToken, `${this.config.publicBaseUrl}${path}`, params),
    });
    return { address: from };
  }

  private async email(channel: Channel, m: SimulatedMessage): Promise<SimulatedDelivery> {
    if (this.config.smtp.port === 0) throw notSimulated('the inbound SMTP listener is off (SMTP_PORT=0)');
    const address = `${slug(m.customer)}@customer.example`;
    const host = ['0.0.0.0', '::'].includes(this.config.smtp.host) ? '127.0.0.1' : this.config.smtp.host;
    const mx = createTransport({ host, port: this.config.smtp.port, secure: false, ignoreTLS: true, name: 'mx.customer.example' });
    try {
      await mx.sendMail({
        from: `"${m.customer.replace(/["\\]/g, '')}" <${address}>`,
        to: String(channel.config.address),
        subject: m.subject ?? 'A question',
        text: m.text,
      });
    } catch (err) {
      throw rejected('SANDBOX_DELIVERY_REFUSED', `The app's SMTP listener refused the simulated mail: ${(err as Error).message}`);
    } finally {
      mx.close();
    }
    return { address };
  }

  private visitorHeaders(channel: Channel, token?: string): Record<string, string> {
    const origin = (channel.config.allowedOrigins as string[] | undefined)?.[0] ?? this.config.publicBaseUrl;
    return { 'content-type': 'application/json', origin, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  }

  private async webchat(channel: Channel, m: SimulatedMessage): Promise<SimulatedDelivery> {
    const key = String(channel.config.channelKey);
    const sessions = this.visitors.get(channel.id) ?? new Map<string, string>();
    this.visitors.set(channel.id, sessions);
    let token = sessions.get(m.customer);
    if (!token) {
      const res = await this.post(`/webchat/${key}/sessions`, JSON.stringify({ name: m.customer }), this.visitorHeaders(channel));
      token = String(((await res.json()) as { token: string }).token);
      sessions.set(m.customer, token);
    }
    const clientMessageId = randomBytes(12).toString('base64url');
    await this.post(`/webchat/${key}/messages`, JSON.stringify({ clientMessageId, text: m.text }), this.visitorHeaders(channel, token));
    return { address: m.customer };
  }

  /** What the widget showed each sandbox visitor from the agents (the visitor API, oldest first). */
  private async webchatReplies(channel: Channel): Promise<ReceivedItem[]> {
    const out: ReceivedItem[] = [];
    for (const [customer, token] of this.visitors.get(channel.id) ?? []) {
      const res = await fetch(`${this.self}/webchat/${String(channel.config.channelKey)}/messages?limit=100`, {
        headers: this.visitorHeaders(channel, token),
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) continue;
      const page = (await res.json()) as { items: Array<{ from: string; text: string | null; id: string; sentAt: string }> };
      for (const item of page.items.reverse()) {
        if (item.from === 'agent') out.push({ to: customer, text: item.text, subject: null, payload: item });
      }
    }
    return out;
  }
}
