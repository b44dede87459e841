import { ChannelGateway, ChannelKind, DeliveryFailure, DeliveryReceipt, OutboundDelivery, RateLimitedFailure } from '../../../libs/domain/src';
import { PlatformHttpClient, retryAfterMs as parseRetryAfter } from '../core/platform-http';

/** Twilio's error body: `{code, message, more_info, status}` (plus `detail` on auth errors). */
interface TwilioError {
  code?: number | string;
  message?: string;
  detail?: string;
  status?: number;
}

// Twilio error codes: 20003 authentication failed, 20005 account not active; 20429 too many requests.
const REVOKED_CODES = new Set(['20003', '20005']);
const RETRYABLE_CODES = new Set(['20429']);

/** Sorts a Twilio REST error into revoked / retryable / permanent, keeping Twilio's code and text. */
export function classifyTwilioError(httpStatus: number, error: TwilioError | undefined, retryAfterHeader: string | null | undefined): DeliveryFailure {
  const code = error?.code !== undefined && error.code !== null && String(error.code) !== '' ? String(error.code) : undefined;
  const platformCode = code ?? `HTTP_${httpStatus}`;
  const text = [error?.message, error?.detail].filter((s) => typeof s === 'string' && s).join(': ') || `HTTP ${httpStatus}`;
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  if (httpStatus === 401 || (code && REVOKED_CODES.has(code))) return new DeliveryFailure('revoked', platformCode, text);
  if (httpStatus === 429 || (code && RETRYABLE_CODES.has(code))) return new RateLimitedFailure(platformCode, text, retryAfterMs);
  if (httpStatus >= 500) return new DeliveryFailure('retryable', platformCode, text, retryAfterMs);
  return new DeliveryFailure('permanent', platformCode, text);
}

export interface TwilioAccountAuth {
  accountSid: string;
  authToken: string;
}

/**
 * Minimal Twilio REST client (API version 2010-04-01). Credentials travel in the Basic
 * Authorization header only: never in a URL, a log line or an error message.
 */
export class TwilioClient {
  private readonly http: PlatformHttpClient;

  constructor(
    private readonly apiUrl: string,
    timeoutMs = 15_000,
  ) {
    this.http = new PlatformHttpClient('Twilio API', timeoutMs);
  }

  /** `path` is below /2010-04-01/Accounts/{AccountSid}, e.g. `/Messages.json` or `.json`. */
  async request<T>(auth: TwilioAccountAuth, method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<T> {
    const res = await this.http.request<TwilioError & T>(`${this.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(auth.accountSid)}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${auth.accountSid}:${auth.authToken}`).toString('base64')}`,
        accept: 'application/json',
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form?.toString(),
    });
    if (!res.ok) throw classifyTwilioError(res.status, res.body, res.headers['retry-after']);
    return (res.body ?? {}) as T;
  }
}

/** Twilio caps a message body at 1600 characters (it splits it into segments itself). */
export const TWILIO_BODY_LIMIT = 1600;
/** At most 10 media per MMS. */
const MAX_MEDIA = 10;

/**
 * SMS and MMS through Twilio's Messages API. Each message asks for status callbacks on the
 * channel's own URL, which the webhook controller verifies and stores like inbound messages.
 */
export class TwilioGateway extends ChannelGateway {
  readonly kinds: readonly ChannelKind[] = ['sms'];

  constructor(
    private readonly client: TwilioClient,
    private readonly publicBaseUrl: string,
  ) {
    super();
  }

  /** Where Twilio reports delivery progress of this channel's messages. */
  statusCallbackUrl(channelId: string): string {
    return `${this.publicBaseUrl}/webhooks/twilio/${channelId}/status`;
  }

  async send(d: OutboundDelivery): Promise<DeliveryReceipt> {
    if (d.template) throw new DeliveryFailure('permanent', 'TEMPLATE_NOT_SUPPORTED', 'SMS has no message templates; send text');
    const text = d.text ?? '';
    if (text.length > TWILIO_BODY_LIMIT) throw new DeliveryFailure('permanent', 'TEXT_TOO_LONG', `SMS text must be at most ${TWILIO_BODY_LIMIT} characters`);
    // Uploaded files by a signed, expiring link of ours (Twilio fetches MediaUrl itself); others by their URL.
    const files = new Map((d.files ?? []).map((f) => [f.uploadId, f.url]));
    const media = (d.attachments ?? []).map((a) => (a.uploadId ? files.get(a.uploadId) : a.url)).filter((u): u is string => !!u && /^https?:\/\//i.test(u));
    if (media.length > MAX_MEDIA) throw new DeliveryFailure('permanent', 'TOO_MANY_ATTACHMENTS', `An MMS carries at most ${MAX_MEDIA} media`);
    if (!text && media.length === 0) throw new DeliveryFailure('permanent', 'EMPTY_MESSAGE', 'Nothing to send: no text and no media URL');

    const form = new URLSearchParams({ To: d.recipientId, From: String(d.channel.config.phoneNumber), StatusCallback: this.statusCallbackUrl(d.channel.id) });
    if (text) form.set('Body', text);
    for (const url of media) form.append('MediaUrl', url);
    const auth = { accountSid: String(d.channel.config.accountSid), authToken: d.channel.credentials.authToken };
    const res = await this.client.request<{ sid?: string; status?: string }>(auth, 'POST', '/Messages.json', form);
    if (!res.sid) throw new DeliveryFailure('permanent', 'NO_MESSAGE_SID', 'Twilio returned no message sid');
    return { externalId: res.sid };
  }
}
