import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditLogResponse } from './privacy.responses';
import { AuditLog } from '../audit/audit-log.store';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';

/** Append-only: who did what to this organization's data, and on what grounds. */
@ApiTags('privacy')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditLog) {}

  /** The newest 200 entries. */
  @Get()
  @ApiOkResponse({ type: AuditLogResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: await this.audit.latest(p, 200) };
  }
}
