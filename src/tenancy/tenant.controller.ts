import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from './auth.guards';
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
}
