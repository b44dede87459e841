import { Body, Controller, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';
import { decodeCursor, toPageResponse } from '../common/cursor';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { ConversationService } from './conversation.service';
import { contactResponse, conversationResponse, messageResponse, noteResponse } from './conversation.responses';
import { ConsentService } from './consent.service';
import { CreateNoteDto, ListConversationsQueryDto, PageQueryDto, PutConsentsDto, SendMessageDto, UpdateConversationDto } from './conversation.dto';
import { IdParam } from '../common/id-param';

const DEFAULT_LIMIT = 25;
const pageOf = (q: PageQueryDto) => ({ limit: q.limit ?? DEFAULT_LIMIT, after: decodeCursor(q.cursor) });

@ApiTags('conversations')
@Authenticated()
@Controller('api/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationService) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListConversationsQueryDto) {
    const page = await this.conversations.list(p, { status: q.status, channelId: q.channelId, assigneeId: q.assigneeId }, pageOf(q));
    return toPageResponse(page, conversationResponse);
  }

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return conversationResponse(await this.conversations.get(p, id));
  }

  @Patch(':id')
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateConversationDto) {
    return conversationResponse(await this.conversations.update(p, id, body));
  }

  @Get(':id/messages')
  async messages(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Query() q: PageQueryDto) {
    return toPageResponse(await this.conversations.listMessages(p, id, pageOf(q)), messageResponse);
  }

  /** Accepted, not yet delivered: the message is queued for its channel. */
  @Post(':id/messages')
  @HttpCode(202)
  async send(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: SendMessageDto) {
    if (body.template !== undefined && (body.text !== undefined || body.attachments !== undefined)) {
      throw invalid('VALIDATION_FAILED', 'send either a template, or text and/or attachments');
    }
    return messageResponse(await this.conversations.send(p, id, p.userId, body));
  }

  @Post(':id/notes')
  async addNote(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: CreateNoteDto) {
    return noteResponse(await this.conversations.addNote(p, id, p.userId, body.text));
  }

  @Get(':id/notes')
  async notes(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return { items: (await this.conversations.listNotes(p, id)).map(noteResponse) };
  }
}

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

  /** Records opt-ins and opt-outs (with their source); WhatsApp templates need the opt-in. */
  @Put(':id/consents')
  async putConsents(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: PutConsentsDto) {
    return { items: await this.consents.record(p, id, p.userId, body.consents) };
  }
}
