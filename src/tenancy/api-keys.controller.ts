import { Body, Controller, Delete, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { IdParam } from '../common/id-param';
import { CreateApiKeyDto } from './account.dto';
import { ApiKeys } from './api-keys.service';
import { Authenticated, CurrentPrincipal } from './auth.guards';
import type { Principal } from './principal';

/** API keys for other systems (owner or admin): `Authorization: Bearer mm_…`. */
@ApiTags('api-keys')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeys) {}

  /** Creates a key: the answer's `key` is shown this once (only its hash is stored). */
  @Post()
  @ApiCreatedResponse({ description: '{id, name, role, prefix, createdAt, expiresAt, lastUsedAt, key}' })
  create(@CurrentPrincipal() actor: Principal, @Body() body: CreateApiKeyDto) {
    return this.keys.create(actor, body);
  }

  @Get()
  list(@CurrentPrincipal() actor: Principal) {
    return this.keys.list(actor).then((items) => ({ items }));
  }

  @Get(':id')
  get(@CurrentPrincipal() actor: Principal, @IdParam() id: string) {
    return this.keys.get(actor, id);
  }

  /** Revokes a key: it stops working at once. */
  @Delete(':id')
  revoke(@CurrentPrincipal() actor: Principal, @IdParam() id: string) {
    return this.keys.revoke(actor, id);
  }
}
