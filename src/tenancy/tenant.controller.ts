import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { TransferOwnershipDto } from './account.dto';
import { Authenticated, CurrentPrincipal, Roles } from './auth.guards';
import type { Principal } from './principal';
import { TenancyService } from './tenancy.service';
import { OwnershipTransferResponse, TenantResponse } from './tenancy.responses';

/** The caller's own organization (terminating it is a privacy request: DELETE /api/tenant). */
@ApiTags('users')
@Authenticated()
@Controller('api/tenant')
export class TenantController {
  constructor(private readonly tenancy: TenancyService) {}

  @Get()
  @ApiOkResponse({ type: TenantResponse })
  @ApiErrors('TENANT_NOT_FOUND')
  tenant(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.getTenant(actor);
  }

  /** Hands the organization to another active user (owner only): they become the owner, you an admin. */
  @Post('owner')
  @Roles('owner')
  @HttpCode(200)
  @ApiOkResponse({ type: OwnershipTransferResponse })
  @ApiErrors('USER_NOT_FOUND', 'ALREADY_OWNER', 'USER_DEACTIVATED@409')
  transferOwnership(@CurrentPrincipal() actor: Principal, @Body() body: TransferOwnershipDto) {
    return this.tenancy.transferOwnership(actor, body.userId);
  }
}
