import { Body, Controller, Delete, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { IdParam } from '../common/id-param';
import { CreateApiKeyDto } from './account.dto';
import { ApiKeys } from './api-keys.service';
import { Authenticated, CurrentPrincipal } from './auth.guards';
import type { Principal } from './principal';
import { ApiKeyListResponse, ApiKeyResponse, CreatedApiKeyResponse } from './tenancy.responses';

/** API keys for other systems (owner or admin): `Authorization: Bearer mm_…`. */
@ApiTags('api-keys')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeys) {}

  /** Creates a key: the answer's `key` is shown this once (only its hash is stored). */
  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiErrors('NOT_A_PERSON@403', 'ROLE_NOT_ALLOWED', 'EXPIRES_IN_PAST')
  create(@CurrentPrincipal() actor: Principal, @Body() body: CreateApiKeyDto) {
    return this.keys.create(actor, body);
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyListResponse })
  list(@CurrentPrincipal() actor: Principal) {
    return this.keys.list(actor).then((items) => ({ items }));
  }

  @Get(':id')
  @ApiOkResponse({ type: ApiKeyResponse })
  @ApiErrors('API_KEY_NOT_FOUND')
  get(@CurrentPrincipal() actor: Principal, @IdParam() id: string) {
    return this.keys.get(actor, id);
  }

  /** Revokes a key: it stops working at once. */
  @Delete(':id')
  @ApiOkResponse({ type: ApiKeyResponse, description: 'The key, revoked' })
  @ApiErrors('NOT_A_PERSON@403', 'API_KEY_NOT_FOUND')
  revoke(@CurrentPrincipal() actor: Principal, @IdParam() id: string) {
    return this.keys.revoke(actor, id);
  }
}
