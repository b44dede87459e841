import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { sameSecret } from '../../libs/crypto/src';
import { notFound, unauthenticated } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { Metrics } from './metrics.service';

/**
 * GET /metrics in the Prometheus text format, for the scraper only: served when METRICS_TOKEN is
 * set, to `Authorization: Bearer <METRICS_TOKEN>` (Prometheus' `authorization` scrape setting).
 * Unset, it does not exist (404), as any unknown path.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.metricsToken) throw notFound('NOT_FOUND', 'Cannot GET /metrics');
    const bearer = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!bearer || !sameSecret(this.config.metricsToken, bearer)) throw unauthenticated('UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN>');
    const body = await this.metrics.registry.metrics();
    await reply.header('content-type', this.metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  }
}
