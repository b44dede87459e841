import { Body, Controller, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { toPageResponse } from '../common/cursor';
import { IdParam } from '../common/id-param';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { ConsentService } from './consent.service';
import { ContactDirectoryService } from './contact-directory.service';
import {
  ContactPageResponse,
  ContactResponse,
  CreateContactDto,
  ListContactsQueryDto,
  MergeContactDto,
  MergeResultResponse,
  UpdateContactDto,
} from './contact.dto';
import { PutConsentsDto } from './conversation.dto';
import { contactResponse, conversationResponse } from './conversation.responses';
import { ConsentListResponse, ConversationPageResponse } from './message.responses.dto';

@ApiTags('contacts')
@Authenticated()
@Controller('api/contacts')
export class ContactsController {
  constructor(
    private readonly directory: ContactDirectoryService,
    private readonly consents: ConsentService,
  ) {}

  /** The directory, newest first; `q` finds by name, e-mail, phone in any format or platform id. */
  @Get()
  @ApiOkResponse({ type: ContactPageResponse })
  @ApiErrors('UNKNOWN_ATTRIBUTE', 'INVALID_ATTRIBUTE_VALUE')
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListContactsQueryDto) {
    return toPageResponse(await this.directory.list(p, q.q, pageOf(q), q.attribute), contactResponse);
  }

  /** A contact an agent adds (before they ever write, or for a channel that needs a first message from us). */
  @Post()
  @ApiCreatedResponse({ type: ContactResponse })
  @ApiErrors('INVALID_PHONE', 'UNKNOWN_ATTRIBUTE', 'INVALID_ATTRIBUTE_VALUE')
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateContactDto) {
    return contactResponse(await this.directory.create(p, p.userId, body));
  }

  /** 404 CONTACT_MERGED (naming the contact it went into) for a contact that was merged away. */
  @Get(':id')
  @ApiOkResponse({ type: ContactResponse })
  @ApiErrors('CONTACT_NOT_FOUND', 'CONTACT_MERGED')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return contactResponse(await this.directory.get(p, id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: ContactResponse })
  @ApiErrors('CONTACT_NOT_FOUND', 'CONTACT_MERGED', 'EMPTY_PATCH', 'INVALID_PHONE', 'UNKNOWN_ATTRIBUTE', 'INVALID_ATTRIBUTE_VALUE')
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateContactDto) {
    return contactResponse(await this.directory.update(p, p.userId, id, body));
  }

  /** The contact's conversations on every channel, most recent activity first. */
  @Get(':id/conversations')
  @ApiOkResponse({ type: ConversationPageResponse })
  @ApiErrors('CONTACT_NOT_FOUND', 'CONTACT_MERGED')
  async conversations(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Query() q: PageQueryDto) {
    return toPageResponse(await this.directory.conversationsOf(p, id, pageOf(q)), conversationResponse);
  }

  /**
   * Merges `otherContactId` into this contact (owner or admin): its identities, conversations and
   * consents move here (where both have a consent for a purpose, the stricter stands), fields this
   * contact lacks are taken over, and it is deleted. The merge is recorded and audited.
   */
  @Post(':id/merge')
  @Roles('owner', 'admin')
  @HttpCode(200)
  @ApiOkResponse({ type: MergeResultResponse })
  @ApiErrors('CONTACT_NOT_FOUND', 'CONTACT_MERGED', 'SAME_CONTACT')
  async merge(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: MergeContactDto) {
    const { contact, merge } = await this.directory.merge(p, p.userId, id, body.otherContactId);
    return {
      contact: contactResponse(contact),
      merge: {
        id: merge.id,
        mergedContactId: merge.mergedContactId,
        mergedBy: merge.mergedBy,
        moved: merge.moved,
        consents: merge.consents,
        mergedAt: merge.mergedAt,
      },
    };
  }

  /** The contact's consents (WhatsApp opt-in, CRM enrichment, data export): granted or withdrawn, with source, time and who recorded them. */
  @Get(':id/consents')
  @ApiOkResponse({ type: ConsentListResponse })
  @ApiErrors('CONTACT_NOT_FOUND')
  async getConsents(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return { items: await this.consents.list(p, id) };
  }

  /** Records opt-ins and opt-outs (with their source); WhatsApp templates need the opt-in. */
  @Put(':id/consents')
  @ApiOkResponse({ type: ConsentListResponse, description: "The contact's consents after the change" })
  @ApiErrors('CONTACT_NOT_FOUND')
  async putConsents(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: PutConsentsDto) {
    return { items: await this.consents.record(p, id, p.userId, body.consents) };
  }
}
