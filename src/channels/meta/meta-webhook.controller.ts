import { Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../../../libs/crypto/src';
import { forbidden } from '../../../libs/domain/src';
import { AppConfig } from '../../config/app-config';
import type { ApiErrorBody } from '../../common/api-exception.filter';
import { InboundInbox } from '../../ingest/inbound-inbox.service';
import { META_APP_SECRET_MISSING, verifyMetaSignature } from './meta-signature';
import { MetaWebhookBody } from './meta-payload';
import { splitMetaWebhook } from './meta-webhook-splitter';

/** One callback URL for the whole Meta app: Messenger, Instagram and WhatsApp. */
@ApiExcludeController()
@Controller('webhooks/meta')
export class MetaWebhookController {
  constructor(
    private readonly config: AppConfig,
    private readonly inbox: InboundInbox,
  ) {}

  /** Subscription handshake: echo the challenge only for our verify token. */
  @Get()
  verify(@Query('hub.mode') mode: string, @Query('hub.verify_token') token: string, @Query('hub.challenge') challenge: string, @Res() reply: FastifyReply) {
    const expected = this.config.meta.verifyToken;
    if (mode === 'subscribe' && sameSecret(expected, token) && typeof challenge === 'string') {
      return reply.status(200).type('text/plain').send(challenge);
    }
    return reply.status(403).send({ statusCode: 403, code: 'VERIFY_TOKEN_MISMATCH', message: 'Verification failed' } satisfies ApiErrorBody);
  }

  /**
   * Verifies the signature over the raw bytes, stores each item durably in its tenant's region,
   * then answers 200. A database failure answers 503 so Meta delivers again; duplicates are
   * absorbed by the dedupe keys.
   */
  @Post()
  @HttpCode(200)
  async receive(@Req() req: RawBodyRequest<FastifyRequest>, @Headers('x-hub-signature-256') signature: string | undefined) {
    const secret = this.config.meta.appSecret;
    if (!secret) throw forbidden('INVALID_SIGNATURE', META_APP_SECRET_MISSING);
    if (!req.rawBody || !verifyMetaSignature(secret, req.rawBody, signature)) {
      throw forbidden('INVALID_SIGNATURE', 'X-Hub-Signature-256 does not match the body');
    }
    const result = await this.inbox.accept(splitMetaWebhook((req.body ?? {}) as MetaWebhookBody));
    return { received: true, stored: result.stored };
  }
}
