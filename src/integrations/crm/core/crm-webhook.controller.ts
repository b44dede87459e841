import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { invalid, isUuid, notFound } from '../../../../libs/domain/src';
import { CrmConnectionsService } from './crm-connections.service';
import { CrmSyncEngine } from './crm-sync.engine';

const FORM = 'application/x-www-form-urlencoded';
const MAX_FORM_PAIRS = 2000;

/** A form body as flat pairs (PHP-style keys such as `contacts[update][0][id]` stay as they are). */
export function parseForm(raw: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let n = 0;
  for (const [k, v] of new URLSearchParams(raw)) {
    if (++n > MAX_FORM_PAIRS) break;
    out[k.replace(/\uFFFD/g, '')] = v;
  }
  return out;
}

/**
 * CRM webhooks: `POST /webhooks/crm/:integrationId/:secret`. No CRM signs its webhooks, so the
 * secret token in the URL (shown once when connecting, checked in constant time) is what makes
 * the call ours; a wrong one answers 404 like an unknown integration. The body is only a hint:
 * every record it names is read back from the CRM in the background, and the CRM gets 200 at once.
 */
@ApiExcludeController()
@Controller('webhooks/crm')
export class CrmWebhookController {
  constructor(
    private readonly integrations: CrmConnectionsService,
    private readonly engine: CrmSyncEngine,
  ) {}

  @Post(':integrationId/:secret')
  @HttpCode(200)
  async receive(
    @Param('integrationId') integrationId: string,
    @Param('secret') secret: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
  ): Promise<{ accepted: number }> {
    if (!isUuid(integrationId) || typeof secret !== 'string' || secret.length > 200) throw notFound('CRM_INTEGRATION_NOT_FOUND', 'No such integration');
    const target = await this.integrations.webhookTarget(integrationId, secret);
    if (!target) throw notFound('CRM_INTEGRATION_NOT_FOUND', 'No such integration');
    const mime = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    const raw = (req.rawBody ?? Buffer.alloc(0)).toString('utf8');
    let body: unknown = {};
    if (raw.trim()) {
      if (mime === FORM) body = parseForm(raw);
      else if (mime === 'application/json' || mime.endsWith('+json')) body = req.body;
      else throw invalid('CRM_WEBHOOK_UNREADABLE', `CRM webhooks are JSON or ${FORM}`);
    }
    return { accepted: await this.engine.receiveWebhook(target.tenant, integrationId, body, mime) };
  }
}
