import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IdParam } from '../common/id-param';
import { AccessGrantsService } from './access-grants.service';
import { Authenticated, CurrentPrincipal } from './auth.guards';
import type { Principal } from './principal';

class GrantDto {
  @ApiProperty({ minimum: 5, maximum: 1440, description: "How long platform staff may read this organization's data" })
  @IsInt()
  @Min(5)
  @Max(1440)
  minutes: number;

  @ApiProperty({ example: 'Support ticket #4711: messages not arriving' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

/** The Customer's side of support access: grant, list, revoke (the audit log shows its use). */
@ApiTags('privacy')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api')
export class AccessGrantsController {
  constructor(private readonly grants: AccessGrantsService) {}

  @Post('access-grants')
  grant(@CurrentPrincipal() p: Principal, @Body() body: GrantDto) {
    return this.grants.grant(p, body);
  }

  @Get('access-grants')
  async list(@CurrentPrincipal() p: Principal) {
    return { items: await this.grants.list(p) };
  }

  @Delete('access-grants/:id')
  @HttpCode(200)
  revoke(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return this.grants.revoke(p, id);
  }
}
