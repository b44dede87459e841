import { UnsupportedMediaTypeException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { forbidden } from '../../../libs/domain/src';
import type { ChannelWebhook, WebhookIntake, WebhookRequest } from '../core/channel-adapter';
import { messageSidOf, toStoredEvent } from './sms.mapper';
import { parseFormBody, verifyTwilioSignature } from './twilio-signature';

/** What Twilio expects back from a messaging webhook that sends no reply of its own. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const FORM = 'application/x-www-form-urlencoded';

const sha256 = (raw: Buffer | undefined) =>
  createHash('sha256')
    .update(raw ?? Buffer.alloc(0))
    .digest('base64url');

/**
 * Twilio calls one URL per channel: `/webhooks/twilio/:channelId` for inbound SMS/MMS (answered
 * with empty TwiML: no automatic reply) and `/webhooks/twilio/:channelId/status` for the status
 * callbacks of what we sent (answered 204). Each request is verified against the channel's Auth
 * Token (X-Twilio-Signature), stored durably, deduplicated, then answered; a forged or unsigned
 * request is refused with 403 and nothing is stored.
 */
export function twilioWebhook(publicBaseUrl: string): ChannelWebhook {
  return {
    path: 'twilio',
    subPaths: ['status'],
    read(req: WebhookRequest): WebhookIntake {
      const type = req.subPath === 'status' ? 'status' : 'inbound';
      const raw = req.rawBody;
      const mime = String(req.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      if (raw?.length && mime !== FORM) throw new UnsupportedMediaTypeException(`Twilio webhooks are ${FORM}`);

      const pairs = parseFormBody(raw);
      const signature = req.headers['x-twilio-signature'];
      const urls = signedUrlCandidates(publicBaseUrl, req);
      const event = toStoredEvent(type, pairs, new Date());
      const sid = messageSidOf(event.params) ?? `body-${sha256(raw)}`;
      const dedupeKey = type === 'inbound' ? `msg:${sid}` : `status:${sid}:${event.params.MessageStatus ?? event.params.SmsStatus ?? ''}`;
      return {
        items: [{ dedupeKey, payload: event }],
        verify(credentials) {
          if (!verifyTwilioSignature(credentials.authToken ?? '', urls, pairs, typeof signature === 'string' ? signature : undefined)) {
            throw forbidden('INVALID_SIGNATURE', 'X-Twilio-Signature does not match this request');
          }
        },
        answer: () => (type === 'inbound' ? { status: 200, contentType: 'text/xml', body: EMPTY_TWIML } : { status: 204 }),
      };
    },
  };
}

/**
 * The URLs Twilio may have signed. First the one we give Twilio: PUBLIC_BASE_URL + the path and
 * query as called (this also holds when a proxy strips a path prefix that PUBLIC_BASE_URL has).
 * Then the URL the request actually reached us at, as the proxy reports it (X-Forwarded-Proto /
 * X-Forwarded-Host, else Host): a Customer may point a number or Messaging Service at another
 * hostname of the same deployment. Accepting it costs nothing in security: the HMAC key is the
 * channel's Auth Token, which an attacker does not have, and the path (which names the channel)
 * always comes from the request line, so a signature cannot be moved to another channel.
 * Each is also tried with and without the default port (verifyTwilioSignature).
 */
function signedUrlCandidates(publicBaseUrl: string, req: WebhookRequest): string[] {
  const urls = [`${publicBaseUrl}${req.url}`];
  const protocol = String(req.protocol ?? '').toLowerCase();
  const host = String(req.host ?? '');
  if ((protocol === 'https' || protocol === 'http') && HOST.test(host)) urls.push(`${protocol}://${host}${req.url}`);
  return urls;
}
