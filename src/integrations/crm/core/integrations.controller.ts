import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../common/api-contract';
import { IdParam } from '../../../common/id-param';
import { Authenticated, CurrentPrincipal } from '../../../tenancy/auth.guards';
import type { Principal } from '../../../tenancy/principal';
import type { CrmConnection } from './crm-connection.store';
import { CrmConnectionsService } from './crm-connections.service';
import type { CrmSyncState } from './crm-records.store';
import { CrmSyncEngine } from './crm-sync.engine';
import {
  CreatedIntegrationResponse,
  IntegrationDataDeletedResponse,
  IntegrationListResponse,
  IntegrationResponse,
  IntegrationStatusResponse,
  IntegrationSyncResponse,
} from '../../integrations.responses';
import { CreateIntegrationDto } from './integrations.dto';

/** Whitelist: credentials (sealed) and the webhook secret's hash are never part of it. */
export const integrationResponse = (c: CrmConnection) => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  config: c.config,
  status: c.status,
  statusReason: c.statusReason,
  createdBy: c.createdBy,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  disconnectedAt: c.disconnectedAt,
});

const entityStatus = (s: CrmSyncState) => ({
  entity: s.entity,
  cursor: s.cursor,
  passInProgress: s.passStartedAt !== null,
  lastRunAt: s.lastRunAt,
  lastSuccessAt: s.lastSuccessAt,
  lastFullPassAt: s.lastFullPassAt,
  lastError: s.lastError,
  counts: { fetched: s.fetched, written: s.written, tombstoned: s.tombstoned },
  nextRunAt: s.nextRunAt,
});

@ApiTags('integrations')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/integrations')
export class IntegrationsController {
  constructor(
    private readonly integrations: CrmConnectionsService,
    private readonly engine: CrmSyncEngine,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Connect a CRM (YCLIENTS, Altegio, amoCRM, Kommo, Bitrix24); credentials are write-only',
    description:
      "Credentials are stored encrypted and never returned. The answer shows webhookUrl once: configure it as the CRM's webhook (its secret token is " +
      'checked on every call; CRM webhooks are hints, every record they name is read back through the API). Sync starts at once and runs every 5 minutes; ' +
      'a full pass once a day turns records deleted in the CRM into tombstones. amoCRM/Kommo with {clientSecret}: the answer carries authorizeUrl and the status is ' +
      'pending_authorization until the CRM redirects the Customer to GET /integrations/oauth/callback.',
  })
  @ApiCreatedResponse({ type: CreatedIntegrationResponse })
  @ApiErrors('CRM_KIND_UNKNOWN', 'INVALID_CRM_CONFIG', 'INVALID_CRM_CREDENTIALS', 'INVALID_CRM_BASE_URL', 'CRM_INTEGRATION_LIMIT')
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateIntegrationDto) {
    const { connection, webhookUrl, authorizeUrl } = await this.integrations.create(p, p.userId, body);
    if (connection.status === 'active') this.engine.startIfWorking(p, connection.id);
    return { ...integrationResponse(connection), webhookUrl, ...(authorizeUrl ? { authorizeUrl } : {}) };
  }

  @Get()
  @ApiOperation({ summary: 'CRM integrations (without credentials)' })
  @ApiOkResponse({ type: IntegrationListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: (await this.integrations.list(p)).map(integrationResponse) };
  }

  @Get(':id')
  @ApiOkResponse({ type: IntegrationResponse })
  @ApiErrors('CRM_INTEGRATION_NOT_FOUND')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return integrationResponse(await this.integrations.get(p, id));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Disconnect: sync stops at once and the credentials are wiped; synced data stays until DELETE /api/integrations/{id}/data' })
  @ApiOkResponse({ type: IntegrationResponse, description: 'The integration, disconnected' })
  @ApiErrors('CRM_INTEGRATION_NOT_FOUND')
  async disconnect(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    const c = await this.integrations.disconnect(p, p.userId, id);
    this.engine.stop(id);
    return integrationResponse(c);
  }

  @Delete(':id/data')
  @ApiOperation({ summary: 'Delete everything synced from the CRM (records, links, cursors); a disconnected integration is deleted with it' })
  @ApiOkResponse({ type: IntegrationDataDeletedResponse })
  @ApiErrors('CRM_INTEGRATION_NOT_FOUND')
  async deleteData(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    this.engine.stop(id);
    const { counts, connectionDeleted } = await this.integrations.deleteData(p, p.userId, id);
    return { id, status: connectionDeleted ? 'deleted' : 'data_deleted', counts };
  }

  @Post(':id/sync')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run the sync now (in the background); GET /api/integrations/{id}/status shows its progress' })
  @ApiAcceptedResponse({ type: IntegrationSyncResponse })
  @ApiErrors('CRM_INTEGRATION_NOT_FOUND', 'CRM_INTEGRATION_NOT_ACTIVE')
  async sync(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    const c = await this.integrations.requireActive(p, id);
    return { id: c.id, status: this.engine.syncSoon(p, c.id) ? 'started' : 'running' };
  }

  @Get(':id/status')
  @ApiOperation({ summary: 'Sync status per entity: cursor, last run, counts, last error, next run; and the records held' })
  @ApiOkResponse({ type: IntegrationStatusResponse })
  @ApiErrors('CRM_INTEGRATION_NOT_FOUND')
  async status(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    const s = await this.integrations.status(p, id);
    return { ...integrationResponse(s.connection), entities: s.entities.map(entityStatus), records: s.records };
  }
}
