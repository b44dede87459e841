import { Injectable } from '@nestjs/common';
import { MMS_MEDIA_LIMITS, SMS_SEND_LIMITS } from '../../../libs/policy/src';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DeliveryFailure, DomainError, invalid, rejected } from '../../../libs/domain/src';
import { AppConfig } from '../../config/app-config';
import { PHONE_ADDRESS_HINT, phoneAddress } from '../core/addresses';
import {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelInboundMedia,
  ChannelKit,
  ChannelWebhook,
  ConnectContext,
  ConnectResult,
  ValidatedChannel,
  mediaByUrl,
  validateFlat,
} from '../core/channel-adapter';
import { fetchMediaUrl } from '../core/media-fetch';
import { TWILIO_BODY_LIMIT, TwilioClient, TwilioGateway } from './sms.gateway';
import { TwilioStoredEvent, mapTwilioPayload } from './sms.mapper';
import { smsKeyword } from './sms-keywords';
import { twilioWebhook } from './sms.webhook';

const ACCOUNT_SID = /^AC[0-9a-f]{32}$/;
const AUTH_TOKEN = /^[\x21-\x7e]{16,128}$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A phone number in E.164 (`+14155550100`) from what a person types: spaces, dashes, dots and
 * brackets are fine, and a leading `00` counts as `+`. A number without its country code cannot
 * be placed and is refused (null).
 */
export function toE164(input: string): string | null {
  const trimmed = input.trim().replace(/^00(?=[1-9])/, '+');
  if (!trimmed.startsWith('+') || /[a-z]/i.test(trimmed)) return null;
  const parsed = parsePhoneNumberFromString(trimmed);
  if (!parsed || !parsed.isValid()) return null;
  return E164.test(parsed.number) ? parsed.number : null;
}

function validate(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
  // `webhookUrl` is ours (set on connect, shown to the Customer): accepted back and recomputed.
  const { webhookUrl: _ignored, ...given } = config;
  const problems: string[] = [];
  if (given.provider !== undefined && given.provider !== 'twilio') problems.push("config.provider must be 'twilio' (the only SMS provider on offer)");
  let phoneNumber = given.phoneNumber;
  if (typeof phoneNumber === 'string' && phoneNumber.trim()) {
    const e164 = toE164(phoneNumber);
    if (!e164) problems.push('config.phoneNumber must be a valid phone number in international format with its country code, e.g. +14155550100');
    else phoneNumber = e164;
  }
  if (typeof given.accountSid === 'string' && !ACCOUNT_SID.test(given.accountSid))
    problems.push('config.accountSid must be AC followed by 32 lowercase hex characters (Twilio Console > Account Info)');
  if (problems.length) throw invalid('VALIDATION_FAILED', problems.join('; '));
  return validateFlat(
    'sms',
    { config: { provider: /^twilio$/, phoneNumber: E164, accountSid: ACCOUNT_SID }, credentials: { authToken: AUTH_TOKEN }, routingKey: 'phoneNumber' },
    { ...given, provider: given.provider ?? 'twilio', phoneNumber },
    credentials,
  );
}

/**
 * SMS/MMS through Twilio. The routing key is the E.164 number, so a number is connected to one
 * tenant only; connecting checks with Twilio that the credentials work and that the number is
 * one of that account's, so nobody can claim a number they do not hold.
 */
@ChannelKit()
@Injectable()
export class SmsAdapter implements ChannelAdapter<TwilioStoredEvent> {
  readonly kind = 'sms';
  readonly processors = ['Twilio (SMS and MMS delivery)'];
  readonly dataOrigin = 'sms';
  readonly capabilities: ChannelCapabilities = {
    attachments: false,
    media: MMS_MEDIA_LIMITS,
    sendLimits: SMS_SEND_LIMITS,
    maxTextChars: TWILIO_BODY_LIMIT,
    newAddresses: { address: phoneAddress, hint: PHONE_ADDRESS_HINT },
    optOutKeywords: {
      keyword: smsKeyword,
      refusal: () => rejected('SMS_OPTED_OUT', 'The contact replied STOP to this number; nothing can be sent until they reply START'),
    },
  };
  readonly map = mapTwilioPayload;
  readonly webhook: ChannelWebhook;
  readonly gateway: TwilioGateway;
  /**
   * MMS media (MediaUrlN) stay at Twilio until deleted there, behind HTTP basic auth when the
   * account enforces it: fetched with the Account SID and Auth Token. Twilio answers with a
   * redirect to its storage, which is not sent the credentials.
   */
  readonly inboundMedia: ChannelInboundMedia = {
    limits: MMS_MEDIA_LIMITS,
    copyable: mediaByUrl,
    fetch: (_tenant, channel, attachment) =>
      fetchMediaUrl(attachment.url!, {
        allowLocal: this.config.webhooksAllowLocalTargets,
        headers: { authorization: `Basic ${Buffer.from(`${String(channel.config.accountSid)}:${channel.credentials.authToken}`).toString('base64')}` },
        what: 'Twilio media',
      }),
  };
  private readonly client: TwilioClient;

  constructor(private readonly config: AppConfig) {
    this.client = new TwilioClient(config.twilioApiUrl, config.platformTimeoutMs);
    this.gateway = new TwilioGateway(this.client, config.publicBaseUrl);
    this.webhook = twilioWebhook(config.publicBaseUrl);
  }

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
    return validate(config, credentials);
  }

  async connect(ctx: ConnectContext): Promise<ConnectResult> {
    const auth = { accountSid: String(ctx.config.accountSid), authToken: ctx.credentials.authToken };
    const phoneNumber = String(ctx.config.phoneNumber);
    try {
      const account = await this.client.request<{ status?: string }>(auth, 'GET', '.json');
      if (account.status && account.status !== 'active') throw invalid('TWILIO_ACCOUNT_INACTIVE', `The Twilio account is ${account.status}`);
      const numbers = await this.client.request<{ incoming_phone_numbers?: Array<{ phone_number?: string }> }>(
        auth,
        'GET',
        `/IncomingPhoneNumbers.json?${new URLSearchParams({ PhoneNumber: phoneNumber })}`,
      );
      if (!numbers.incoming_phone_numbers?.some((n) => n.phone_number === phoneNumber)) {
        throw invalid(
          'TWILIO_NUMBER_NOT_IN_ACCOUNT',
          'config.phoneNumber is not a phone number of this Twilio account (for a subaccount, use its own Account SID and Auth Token)',
        );
      }
    } catch (err) {
      if (err instanceof DomainError) throw err;
      if (err instanceof DeliveryFailure && err.kind !== 'retryable') {
        throw invalid('TWILIO_CREDENTIALS_INVALID', `Twilio refused the Account SID and Auth Token (${err.platformCode})`);
      }
      throw new DomainError('unavailable', 'TWILIO_UNAVAILABLE', 'Twilio could not be reached to check the credentials; try again shortly');
    }
    return { config: { webhookUrl: `${this.config.publicBaseUrl}/webhooks/twilio/${ctx.channelId}` } };
  }
}
