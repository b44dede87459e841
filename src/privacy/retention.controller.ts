import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { RetentionResponse } from './privacy.responses';
import { IsInt, IsObject, Max, Min, ValidateIf } from 'class-validator';
import { invalid, isUuid } from '../../libs/domain/src';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { RetentionSettingsService } from './retention-settings.service';

class RetentionDto {
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: 36500, description: 'Days messages are kept; null keeps them' })
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(36500)
  defaultDays: number | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 1, maximum: 36500 },
    example: { '6b1f9d7e-1111-4111-8111-111111111111': 30 },
    description: 'Per-channel overrides in days',
  })
  @IsObject()
  channels: Record<string, number>;
}

@ApiTags('privacy')
@Authenticated()
@Controller('api/settings/retention')
export class RetentionController {
  constructor(private readonly settings: RetentionSettingsService) {}

  @Get()
  @ApiOkResponse({ type: RetentionResponse })
  get(@CurrentPrincipal() p: Principal) {
    return this.settings.get(p);
  }

  /** The purge job applies these: messages older than the channel's days are deleted. */
  @Put()
  @Roles('owner', 'admin')
  @ApiOkResponse({ type: RetentionResponse, description: 'The settings now in force' })
  @ApiErrors('CHANNEL_NOT_FOUND@400')
  put(@CurrentPrincipal() p: Principal, @Body() body: RetentionDto) {
    for (const [id, days] of Object.entries(body.channels)) {
      if (!isUuid(id) || !Number.isInteger(days) || days < 1 || days > 36500) {
        throw invalid('VALIDATION_FAILED', 'channels must map channel ids to whole days from 1 to 36500');
      }
    }
    return this.settings.put(p, { defaultDays: body.defaultDays ?? null, channels: body.channels });
  }
}
