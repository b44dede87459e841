import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsObject, Max, Min, ValidateIf } from 'class-validator';
import { invalid } from '../../libs/domain/src';
import { CurrentPrincipal, JwtAuthGuard, Roles, RolesGuard } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { RetentionSettingsService } from './retention-settings.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class RetentionDto {
  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 36500, description: 'Days messages are kept; null keeps them' })
  @ValidateIf((_, v) => v !== null) @IsInt() @Min(1) @Max(36500)
  defaultDays: number | null;

  @ApiProperty({ example: { '6b1f9d7e-1111-4111-8111-111111111111': 30 }, description: 'Per-channel overrides in days' })
  @IsObject()
  channels: Record<string, number>;
}

@ApiTags('privacy')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, RolesGuard)
@Controller('api/settings/retention')
export class RetentionController {
  constructor(private readonly settings: RetentionSettingsService) {}

  @Get()
  get(@CurrentPrincipal() p: Principal) {
    return this.settings.get(p);
  }

  /** The purge job applies these: messages older than the channel's days are deleted. */
  @Put()
  @Roles('owner', 'admin')
  put(@CurrentPrincipal() p: Principal, @Body() body: RetentionDto) {
    for (const [id, days] of Object.entries(body.channels)) {
      if (!UUID.test(id) || !Number.isInteger(days) || days < 1 || days > 36500) {
        throw invalid('VALIDATION_FAILED', 'channels must map channel ids to whole days from 1 to 36500');
      }
    }
    return this.settings.put(p, { defaultDays: body.defaultDays ?? null, channels: body.channels });
  }
}
