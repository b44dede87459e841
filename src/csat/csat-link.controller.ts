import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { notFound } from '../../libs/domain/src';
import { ApiErrors } from '../common/api-contract';
import { BrowserFacing, cspNonce } from '../common/security-headers';
import { RegionDatabases } from '../database/region-databases';
import { CsatLinks } from './csat-links';
import { CsatService } from './csat.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (nonce: string, body: string) => `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Rating / Оценка</title><style nonce="${escape(nonce)}">body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
a.button{display:inline-block;padding:.6rem 1.2rem;background:#1c7ed6;color:#fff;border-radius:6px;text-decoration:none}</style></head><body>${body}</body></html>`;

/**
 * The rating links of a survey mail, opened without sign-in. Opening one shows what it rates and
 * asks to confirm: mail scanners that fetch every link of a mail must not rate on the reader's
 * behalf. Confirming records the rating, once: the first rating of a resolution stands. A link we
 * did not sign, or of another organization, is 404 like a survey that does not exist.
 */
@ApiTags('csat')
@Controller('csat')
export class CsatLinkController {
  constructor(
    private readonly links: CsatLinks,
    private readonly csat: CsatService,
    private readonly dbs: RegionDatabases,
  ) {}

  private checked(region: string, tenantId: string, surveyId: string, rating: string | undefined, signature: string | undefined) {
    const r = Number(rating);
    const ok =
      UUID.test(tenantId) &&
      UUID.test(surveyId) &&
      Number.isInteger(r) &&
      r >= 1 &&
      r <= 5 &&
      this.dbs.hasRegion(region) &&
      this.links.valid(region, tenantId, surveyId, String(signature ?? ''));
    if (!ok) throw notFound('CSAT_SURVEY_NOT_FOUND', 'No such satisfaction survey');
    return { tenant: { tenantId, region }, rating: r };
  }

  @Get(':region/:tenantId/:surveyId')
  @ApiOperation({ summary: 'A rating link of a survey mail: a page asking to confirm the rating' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'text/html', schema: { type: 'string' } })
  @ApiErrors('CSAT_SURVEY_NOT_FOUND', 'CSAT_ALREADY_ANSWERED')
  @BrowserFacing('html-page')
  async open(
    @Param('region') region: string,
    @Param('tenantId') tenantId: string,
    @Param('surveyId') surveyId: string,
    @Query('rating') rating: string | undefined,
    @Query('signature') signature: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const link = this.checked(region, tenantId, surveyId, rating, signature);
    await this.csat.answerFromLink(link.tenant, surveyId, link.rating, true);
    const confirm = `/csat/${encodeURIComponent(region)}/${tenantId}/${surveyId}/confirm?rating=${link.rating}&signature=${encodeURIComponent(String(signature))}`;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        page(
          cspNonce(reply),
          `<h1>${link.rating} / 5</h1><p>Send this rating? / Отправить эту оценку?</p><p><a class="button" href="${escape(confirm)}">Send / Отправить</a></p>`,
        ),
      );
  }

  @Get(':region/:tenantId/:surveyId/confirm')
  @ApiOperation({ summary: 'Records the rating of a survey mail link (once per survey)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'text/html', schema: { type: 'string' } })
  @ApiErrors('CSAT_SURVEY_NOT_FOUND', 'CSAT_ALREADY_ANSWERED')
  @BrowserFacing('html-page')
  async confirm(
    @Param('region') region: string,
    @Param('tenantId') tenantId: string,
    @Param('surveyId') surveyId: string,
    @Query('rating') rating: string | undefined,
    @Query('signature') signature: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const link = this.checked(region, tenantId, surveyId, rating, signature);
    await this.csat.answerFromLink(link.tenant, surveyId, link.rating);
    return reply.type('text/html; charset=utf-8').send(page(cspNonce(reply), `<h1>Thank you! / Спасибо!</h1><p>${link.rating} / 5</p>`));
  }
}
