import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IdParam } from '../common/id-param';
import { AccessGrantsService } from './access-grants.service';
import { Authenticated, CurrentPrincipal } from './auth.guards';
import type { Principal } from './principal';
import { AccessGrantListResponse, AccessGrantResponse, AccessGrantRevokedResponse } from './tenancy.responses';

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
  @ApiCreatedResponse({ type: AccessGrantResponse })
  grant(@CurrentPrincipal() p: Principal, @Body() body: GrantDto) {
    return this.grants.grant(p, body);
  }

  @Get('access-grants')
  @ApiOkResponse({ type: AccessGrantListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: await this.grants.list(p) };
  }

  @Delete('access-grants/:id')
  @HttpCode(200)
  @ApiOkResponse({ type: AccessGrantRevokedResponse })
  @ApiErrors('ACCESS_GRANT_NOT_FOUND')
  revoke(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return this.grants.revoke(p, id);
  }
}
