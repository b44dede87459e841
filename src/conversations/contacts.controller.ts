import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { ConsentService } from './consent.service';
import { PutConsentsDto } from './conversation.dto';
import { contactResponse } from './conversation.responses';
import { ConversationService } from './conversation.service';

@ApiTags('contacts')
@Authenticated()
@Controller('api/contacts')
export class ContactsController {
  constructor(
    private readonly conversations: ConversationService,
    private readonly consents: ConsentService,
  ) {}

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return contactResponse(await this.conversations.getContact(p, id));
  }

  /** The contact's consents (WhatsApp opt-in, CRM enrichment, data export): granted or withdrawn, with source, time and who recorded them. */
  @Get(':id/consents')
  async getConsents(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return { items: await this.consents.list(p, id) };
  }

  /** Records opt-ins and opt-outs (with their source); WhatsApp templates need the opt-in. */
  @Put(':id/consents')
  async putConsents(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: PutConsentsDto) {
    return { items: await this.consents.record(p, id, p.userId, body.consents) };
  }
}
