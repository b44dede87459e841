import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../common/api-contract';
import { CrmLinkedClientListResponse } from '../../integrations.responses';
import { IdParam } from '../../../common/id-param';
import { Authenticated, CurrentPrincipal } from '../../../tenancy/auth.guards';
import type { Principal } from '../../../tenancy/principal';
import { CrmConnectionsService } from './crm-connections.service';
import type { LinkedClientView } from './crm-links.store';

const clientView = (v: LinkedClientView) => ({
  integration: { id: v.connectionId, name: v.connectionName, kind: v.kind },
  matchedBy: v.matchedBy,
  client: { externalId: v.client.externalId, name: v.client.name, phone: v.client.phone, email: v.client.email, remoteUpdatedAt: v.client.remoteUpdatedAt },
  upcomingAppointments: v.upcomingAppointments.map((a) => ({
    externalId: a.externalId,
    startsAt: a.startsAt,
    durationSeconds: a.durationSeconds,
    services: a.services,
    staffName: a.staffName,
    amount: a.amount,
    status: a.status,
  })),
  recentDeals: v.recentDeals.map((d) => ({
    externalId: d.externalId,
    title: d.title,
    amount: d.amount,
    currency: d.currency,
    stage: d.stage,
    status: d.status,
    remoteUpdatedAt: d.remoteUpdatedAt,
  })),
});

@ApiTags('contacts')
@Authenticated()
@Controller('api/contacts')
export class CrmContactsController {
  constructor(private readonly integrations: CrmConnectionsService) {}

  @Get(':id/crm')
  @ApiOperation({
    summary: "The contact's CRM clients (linked by E.164 phone or e-mail, or pushed), with upcoming appointments and recent deals/orders",
    description: 'Several clients may be linked (one per CRM, or duplicates inside one CRM). Records deleted in the CRM are not shown.',
  })
  @ApiOkResponse({ type: CrmLinkedClientListResponse })
  @ApiErrors('CONTACT_NOT_FOUND')
  async crm(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return { items: (await this.integrations.contactView(p, id)).map(clientView) };
  }
}
