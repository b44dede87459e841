import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CSAT_CHANNEL_KINDS, defaultCsatQuestion } from '../../libs/policy/src';
import { ApiErrors } from '../common/api-contract';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { CsatSettingsListResponse, CsatSettingsResponse, SaveCsatSettingsDto } from './csat.dto';
import { CsatService } from './csat.service';
import type { CsatSettings } from './csat.store';

const response = (s: CsatSettings & { channelKind?: string }, supported = true) => ({
  channelId: s.channelId,
  supported,
  enabled: s.enabled,
  language: s.language,
  question: s.question,
  effectiveQuestion: s.question ?? defaultCsatQuestion(s.language),
});

/** Per channel: whether resolved conversations ask for a rating, and in which words. Owners and admins. */
@ApiTags('csat')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/csat/settings')
export class CsatController {
  constructor(private readonly csat: CsatService) {}

  @Get()
  @ApiOperation({ summary: "Every channel's satisfaction survey settings (off where never set)" })
  @ApiOkResponse({ type: CsatSettingsListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    const items = await this.csat.listSettings(p);
    return { items: items.map((s) => response(s, (CSAT_CHANNEL_KINDS as readonly string[]).includes(s.channelKind))) };
  }

  @Put(':channelId')
  @ApiOperation({ summary: "Set a channel's satisfaction survey: on or off, language, question (web chat, e-mail and WhatsApp only)" })
  @ApiOkResponse({ type: CsatSettingsResponse })
  @ApiErrors('CHANNEL_NOT_FOUND@404', 'CSAT_NOT_SUPPORTED')
  async save(@CurrentPrincipal() p: Principal, @IdParam('channelId') channelId: string, @Body() body: SaveCsatSettingsDto) {
    return response(await this.csat.saveSettings(p, channelId, body));
  }
}
