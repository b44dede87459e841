import { Body, Controller, Delete, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Clock, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { AuditLog } from '../privacy/audit-log';
import { Authenticated, CurrentPrincipal } from './auth.guards';
import type { Principal } from './principal';
import { LoginDto } from './tenancy.dto';
import { OperatorsService } from './operators.service';
import { IdParam } from '../common/id-param';

class GrantDto {
  @ApiProperty({ minimum: 5, maximum: 1440, description: 'How long platform staff may read this organization\'s data' })
  @IsInt() @Min(5) @Max(1440)
  minutes: number;

  @ApiProperty({ example: 'Support ticket #4711: messages not arriving' })
  @IsString() @MinLength(3) @MaxLength(500)
  reason: string;
}


/** The Customer's side of support access: grant, list, revoke; and the audit log that shows its use. */
@ApiTags('privacy')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api')
export class AccessGrantsController {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  @Post('access-grants')
  grant(@CurrentPrincipal() p: Principal, @Body() body: GrantDto) {
    return this.dbs.forTenant(p, async (tx) => {
      const [grant] = await rows(
        tx,
        `insert into access_grants (tenant_id, granted_by, reason, expires_at) values ($1, $2, $3, $4) returning id, reason, created_at as "createdAt", expires_at as "expiresAt"`,
        [p.tenantId, p.userId, body.reason, new Date(this.clock.now().getTime() + body.minutes * 60_000)],
      );
      await this.audit.record(tx, p.tenantId, { actor: `user:${p.userId}`, action: 'access_grant.create', subject: `access_grant:${grant.id}`, decision: 'allow', reason: body.reason });
      return grant;
    });
  }

  @Get('access-grants')
  async list(@CurrentPrincipal() p: Principal) {
    const items = await this.dbs.forTenant(p, (tx) =>
      rows(tx, `select id, reason, granted_by as "grantedBy", created_at as "createdAt", expires_at as "expiresAt", revoked_at as "revokedAt" from access_grants where tenant_id = $1 order by created_at desc limit 100`, [p.tenantId]),
    );
    return { items };
  }

  @Delete('access-grants/:id')
  @HttpCode(200)
  revoke(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return this.dbs.forTenant(p, async (tx) => {
      const [grant] = await rows(tx, `update access_grants set revoked_at = coalesce(revoked_at, now()) where tenant_id = $1 and id = $2 returning id, revoked_at as "revokedAt"`, [p.tenantId, id]);
      if (!grant) throw notFound('ACCESS_GRANT_NOT_FOUND', 'Access grant not found');
      await this.audit.record(tx, p.tenantId, { actor: `user:${p.userId}`, action: 'access_grant.revoke', subject: `access_grant:${id}`, decision: 'allow' });
      return grant;
    });
  }

  /** Append-only: who did what to this organization's data, and on what grounds. */
  @Get('audit-log')
  async auditLog(@CurrentPrincipal() p: Principal) {
    const items = await this.dbs.forTenant(p, (tx) =>
      rows(tx, `select id, at, actor, action, subject, decision, reason from audit_log where tenant_id = $1 order by at desc, id desc limit 200`, [p.tenantId]),
    );
    return { items };
  }
}

@ApiTags('auth')
@Controller('api/auth')
export class OperatorAuthController {
  constructor(private readonly operators: OperatorsService) {}

  @Post('operator-login')
  @HttpCode(200)
  login(@Body() body: LoginDto, @Ip() ip: string) {
    return this.operators.login(body.email, body.password, ip);
  }
}
