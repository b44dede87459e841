import { Controller, HttpCode, Param, Post, Req, Res, UnsupportedMediaTypeException } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { forbidden, isUuid, notFound } from '../../../libs/domain/src';
import { AppConfig } from '../../config/app-config';
import { InboundInbox } from '../../ingest/inbound-inbox.service';
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
 * Twilio calls one URL per channel: `/webhooks/twilio/:channelId` for inbound SMS/MMS and
 * `/webhooks/twilio/:channelId/status` for the status callbacks of what we sent. Each request is
 * verified against the channel's Auth Token (X-Twilio-Signature), stored durably, deduplicated,
 * then answered; a forged or unsigned request is refused with 403 and nothing is stored.
 */
@ApiExcludeController()
@Controller('webhooks/twilio')
export class TwilioWebhookController {
  constructor(
    private readonly config: AppConfig,
    private readonly inbox: InboundInbox,
  ) {}

  /** An SMS or MMS from an End User: answered with empty TwiML (no automatic reply). */
  @Post(':channelId')
  async inbound(
    @Param('channelId') channelId: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    await this.accept('inbound', channelId, req);
    reply.status(200).header('content-type', 'text/xml');
    return EMPTY_TWIML;
  }

  /** Delivery progress of a message we sent (queued, sent, delivered, undelivered, failed, read). */
  @Post(':channelId/status')
  @HttpCode(204)
  async status(@Param('channelId') channelId: string, @Req() req: RawBodyRequest<FastifyRequest>): Promise<void> {
    await this.accept('status', channelId, req);
  }

  private async accept(type: 'inbound' | 'status', channelId: string, req: RawBodyRequest<FastifyRequest>): Promise<void> {
    if (!isUuid(channelId)) throw notFound('CHANNEL_NOT_FOUND', 'No such channel');
    const raw = req.rawBody;
    const mime = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (raw?.length && mime !== FORM) throw new UnsupportedMediaTypeException(`Twilio webhooks are ${FORM}`);

    const pairs = parseFormBody(raw);
    const signature = req.headers['x-twilio-signature'];
    const urls = this.signedUrlCandidates(req);
    const event = toStoredEvent(type, pairs, new Date());
    const sid = messageSidOf(event.params) ?? `body-${sha256(raw)}`;
    const dedupeKey = type === 'inbound' ? `msg:${sid}` : `status:${sid}:${event.params.MessageStatus ?? event.params.SmsStatus ?? ''}`;

    await this.inbox.acceptForChannel(
      'sms',
      channelId,
      (credentials) => {
        if (!verifyTwilioSignature(credentials.authToken ?? '', urls, pairs, typeof signature === 'string' ? signature : undefined)) {
          throw forbidden('INVALID_SIGNATURE', 'X-Twilio-Signature does not match this request');
        }
      },
      [{ dedupeKey, payload: event as unknown as Record<string, unknown> }],
    );
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
  private signedUrlCandidates(req: FastifyRequest): string[] {
    const urls = [`${this.config.publicBaseUrl}${req.url}`];
    const protocol = String(req.protocol ?? '').toLowerCase();
    const host = String(req.host ?? '');
    if ((protocol === 'https' || protocol === 'http') && HOST.test(host)) urls.push(`${protocol}://${host}${req.url}`);
    return urls;
  }
}
