import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isUuid, notFound } from '../../libs/domain/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import type { WebhookRequest } from '../channels/core/channel-adapter';
import { InboundInbox } from './inbound-inbox.service';

/**
 * The one route of platforms that call a URL per channel (Telegram, Twilio...):
 * `POST /webhooks/<path>/:channelId[/<subPath>]`, where `<path>` is the kind's (or the one its
 * webhook part names: `twilio` for sms). The same checks for every kind: the channel id must be
 * one, the kind must have that URL, the request must prove it knows the channel's credentials
 * (the kind's `verify`, before anything is stored), then the items are stored durably and the
 * answer the platform expects is given. An unknown or disconnected channel answers 404.
 * Meta's app-wide route lives in the Meta module.
 */
@ApiExcludeController()
@Controller('webhooks')
export class ChannelWebhookController {
  constructor(
    private readonly adapters: ChannelAdapters,
    private readonly inbox: InboundInbox,
  ) {}

  @Post(':path/:channelId')
  @HttpCode(200)
  receive(
    @Param('path') path: string,
    @Param('channelId') channelId: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.handle(path, channelId, null, req, reply);
  }

  @Post(':path/:channelId/:subPath')
  @HttpCode(200)
  receiveSubPath(
    @Param('path') path: string,
    @Param('channelId') channelId: string,
    @Param('subPath') subPath: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.handle(path, channelId, subPath, req, reply);
  }

  private async handle(path: string, channelId: string, subPath: string | null, req: RawBodyRequest<FastifyRequest>, reply: FastifyReply): Promise<unknown> {
    const kind = this.adapters.forWebhookPath(path);
    if (!kind || (subPath !== null && !kind.webhook.subPaths?.includes(subPath))) throw notFound('NOT_FOUND', `Cannot POST ${req.url.split('?')[0]}`);
    if (!isUuid(channelId)) throw notFound('CHANNEL_NOT_FOUND', 'No such channel');
    const request: WebhookRequest = {
      channelId,
      subPath,
      headers: req.headers,
      body: req.body,
      rawBody: req.rawBody,
      url: req.url,
      protocol: req.protocol,
      host: req.host,
    };
    const intake = kind.webhook.read(request);
    await this.inbox.acceptForChannel(kind.adapter.kind, channelId, (credentials) => intake.verify(credentials), intake.items, intake.ignored);
    const answer = intake.answer();
    reply.status(answer.status);
    if (answer.contentType) reply.header('content-type', answer.contentType);
    return answer.body;
  }
}
