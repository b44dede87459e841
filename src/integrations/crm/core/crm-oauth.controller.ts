import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../common/api-contract';
import { IntegrationResponse } from '../../integrations.responses';
import { invalid } from '../../../../libs/domain/src';
import { CrmConnectionsService } from './crm-connections.service';
import { integrationResponse } from './integrations.controller';

const one = (v: unknown, name: string, max: number): string => {
  if (typeof v !== 'string' || !v || v.length > max || /[\u0000-\u001f]/.test(v))
    throw invalid('OAUTH_CALLBACK_INVALID', `${name} must be one string of at most ${max} characters`);
  return v;
};

/**
 * Where amoCRM/Kommo send the Customer back after they allowed access: `?code&state&referer`.
 * Public (the browser comes from the CRM); the single-use state is what proves it is ours.
 */
@ApiTags('integrations')
@Controller('integrations/oauth')
export class CrmOauthController {
  constructor(private readonly integrations: CrmConnectionsService) {}

  @Get('callback')
  @ApiOperation({
    summary: "OAuth2 redirect of amoCRM/Kommo: completes the authorization the create answer's authorizeUrl started",
    description:
      "code lives 20 minutes; state is single use; referer must be the integration's own account. Answers the integration (active) or 400 OAUTH_STATE_INVALID / OAUTH_REFERER_MISMATCH / OAUTH_EXCHANGE_FAILED.",
  })
  @ApiQuery({ name: 'code', required: true })
  @ApiQuery({ name: 'state', required: true })
  @ApiQuery({ name: 'referer', required: true, description: 'The account host, e.g. acme.amocrm.ru' })
  @ApiOkResponse({ type: IntegrationResponse, description: 'The integration, active' })
  @ApiErrors('OAUTH_CALLBACK_INVALID', 'OAUTH_STATE_INVALID', 'OAUTH_REFERER_MISMATCH', 'OAUTH_EXCHANGE_FAILED')
  async callback(@Query('code') code: unknown, @Query('state') state: unknown, @Query('referer') referer: unknown) {
    const c = await this.integrations.completeAuthorization(one(code, 'code', 2048), one(state, 'state', 200), one(referer, 'referer', 255));
    return integrationResponse(c);
  }
}
