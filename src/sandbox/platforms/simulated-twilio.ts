import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatedHttpServer } from './simulated-http-server';

export interface TwilioCall {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The form body, first value of each name. */
  form: Record<string, string>;
  /** Every pair of the form body, in order (MediaUrl repeats). */
  pairs: Array<[string, string]>;
}

interface Account {
  token: string;
  status: string;
  numbers: Set<string>;
}

const API = '/2010-04-01/Accounts/';

/**
 * Signs a webhook exactly as Twilio does (written here independently of the app's verifier):
 * base64 HMAC-SHA1 with the Auth Token over the full URL followed by each POST parameter's name
 * and value, sorted by name.
 */
export function signLikeTwilio(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/** Encodes parameters as Twilio posts them (application/x-www-form-urlencoded). */
export const formBody = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** A fresh Twilio-shaped sid: two letters and 32 hex characters. */
export const twilioSid = (prefix: 'AC' | 'SM' | 'MM' | 'PN' | 'ME') => `${prefix}${randomBytes(16).toString('hex')}`;

/**
 * A local stand-in for Twilio's REST API: checks the path, the Basic credentials of the account
 * it addresses and the form body of every call, records each call for assertions, and answers
 * with success or scripted errors in Twilio's error shape.
 */
export class SimulatedTwilio extends SimulatedHttpServer {
  readonly calls: TwilioCall[] = [];
  private readonly accounts = new Map<string, Account>();
  /** Sids the next sends answer with, in order (a replay needs the sid a sample refers to). */
  readonly nextSids: string[] = [];

  /** An account, the Auth Token it accepts and the phone numbers it holds (E.164). */
  account(sid: string, token: string, numbers: string[] = [], status = 'active'): this {
    this.accounts.set(sid, { token, status, numbers: new Set(numbers) });
    return this;
  }

  /** The Auth Token of an account (what Twilio signs its webhooks of that account with). */
  authTokenOf(sid: string): string | undefined {
    return this.accounts.get(sid)?.token;
  }

  /** The next call to `path` answers with this instead of success. */
  failNext(path: string, status: number, body: Record<string, unknown>, headers?: Record<string, string>): this {
    return this.script(path, { status, body, headers });
  }

  /** MMS media End Users sent, by path: the account they belong to, and flaky answers to serve first. */
  private readonly media = new Map<string, { accountSid: string; bytes: Buffer; mimeType: string; failFirst: number[]; gone: boolean }>();

  /**
   * A file of an inbound MMS, as its MediaUrl names it (`/2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}`):
   * served only with the account's Basic credentials (HTTP basic auth for media enforced),
   * 404 once deleted. `failFirst`: the first requests answer these statuses instead.
   */
  mediaUrl(accountSid: string, bytes: Buffer, mimeType: string, opts: { failFirst?: number[] } = {}): string {
    const path = `${API}${accountSid}/Messages/${twilioSid('MM')}/Media/${twilioSid('ME')}`;
    this.media.set(path, { accountSid, bytes, mimeType, failFirst: [...(opts.failFirst ?? [])], gone: false });
    return `${this.url}${path}`;
  }

  /** The media was deleted at Twilio: its URL answers 404. */
  deleteMedia(url: string): this {
    const m = this.media.get(new URL(url).pathname);
    if (m) m.gone = true;
    return this;
  }

  messagesPath(accountSid: string): string {
    return `${API}${accountSid}/Messages.json`;
  }

  callsTo(path: string): TwilioCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const [path, query = ''] = (req.url ?? '').split('?');
    const pairs = [...new URLSearchParams(raw)];
    const form: Record<string, string> = {};
    for (const [k, v] of pairs) if (!(k in form)) form[k] = v;
    const call: TwilioCall = {
      method: req.method ?? '',
      path,
      query: new URLSearchParams(query),
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      form,
      pairs,
    };
    this.calls.push(call);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => this.json(res, status, body, headers);
    const error = (status: number, code: number, message: string) =>
      reply(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

    // Basic auth: username = the Account SID in the path, password = its Auth Token.
    const authorized = (sid: string) => {
      const account = this.accounts.get(sid);
      const basic = /^Basic (.+)$/.exec(call.authorization ?? '');
      const [user, pass] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(/:(.*)/s) : [];
      return account !== undefined && user === sid && pass === account.token;
    };
    const unauthorized = () =>
      reply(401, {
        code: 20003,
        detail: 'Your AccountSid or AuthToken was incorrect.',
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });

    const media = this.media.get(path);
    if (media && req.method === 'GET') {
      if (!authorized(media.accountSid)) return unauthorized();
      if (media.gone) return error(404, 20404, `The requested resource ${path} was not found`);
      const status = media.failFirst.shift();
      if (status) return error(status, 20500, 'An internal server error has occurred');
      res.writeHead(200, { 'content-type': media.mimeType, 'content-length': String(media.bytes.length) });
      return void res.end(media.bytes);
    }

    const m = /^\/2010-04-01\/Accounts\/([^/.]+)(\.json|\/Messages\.json|\/IncomingPhoneNumbers\.json)$/.exec(path);
    if (!m) return error(404, 20404, `The requested resource ${path} was not found`);
    const [, sid, resource] = m;
    const account = this.accounts.get(sid)!;
    if (!authorized(sid)) return unauthorized();
    const script = this.nextScripted(path);
    if (script) return reply(script.status, script.body, script.headers);

    if (req.method === 'GET' && resource === '.json') return reply(200, { sid, status: account.status, friendly_name: 'Fake account', type: 'Full' });
    if (req.method === 'GET' && resource === '/IncomingPhoneNumbers.json') {
      const wanted = call.query.get('PhoneNumber');
      const list = [...account.numbers]
        .filter((n) => !wanted || n === wanted)
        .map((n) => ({ sid: `PN${sid.slice(2)}`, account_sid: sid, phone_number: n, capabilities: { sms: true, mms: true } }));
      return reply(200, { incoming_phone_numbers: list, page: 0, page_size: 50 });
    }
    if (req.method === 'POST' && resource === '/Messages.json') {
      if (!/^application\/x-www-form-urlencoded/.test(call.contentType ?? '')) return error(400, 20001, 'Expected a form-encoded body');
      if (!form.To) return error(400, 21604, "A 'To' phone number is required.");
      if (!/^\+[1-9]\d{6,14}$/.test(form.To)) return error(400, 21211, `The 'To' number ${form.To} is not a valid phone number.`);
      if (!form.From || !account.numbers.has(form.From))
        return error(400, 21606, `The From phone number ${form.From ?? ''} is not a valid, SMS-capable inbound phone number or short code for your account.`);
      if (!form.Body && !form.MediaUrl) return error(400, 21602, 'Message body is required.');
      if (form.StatusCallback && !/^https?:\/\//.test(form.StatusCallback)) return error(400, 21609, 'Invalid StatusCallback URL');
      return reply(201, {
        sid: this.nextSids.shift() ?? twilioSid(form.MediaUrl ? 'MM' : 'SM'),
        account_sid: sid,
        to: form.To,
        from: form.From,
        body: form.Body ?? '',
        status: 'queued',
        num_media: String(pairs.filter(([k]) => k === 'MediaUrl').length),
        api_version: '2010-04-01',
      });
    }
    return error(405, 20004, `Method ${req.method} not allowed`);
  }
}
