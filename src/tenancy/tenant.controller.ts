import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { TransferOwnershipDto } from './account.dto';
import { Authenticated, CurrentPrincipal, Roles } from './auth.guards';
import type { Principal } from './principal';
import { TenancyService } from './tenancy.service';

/** The caller's own organization (terminating it is a privacy request: DELETE /api/tenant). */
@ApiTags('users')
@Authenticated()
@Controller('api/tenant')
export class TenantController {
  constructor(private readonly tenancy: TenancyService) {}

  @Get()
  tenant(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.getTenant(actor);
  }

  /** Hands the organization to another active user (owner only): they become the owner, you an admin. */
  @Post('owner')
  @Roles('owner')
  @HttpCode(200)
  transferOwnership(@CurrentPrincipal() actor: Principal, @Body() body: TransferOwnershipDto) {
    return this.tenancy.transferOwnership(actor, body.userId);
  }
}
