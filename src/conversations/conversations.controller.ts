import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';
import { toPageResponse } from '../common/cursor';
import { IdParam } from '../common/id-param';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { ConversationService } from './conversation.service';
import { conversationResponse, messageResponse, noteResponse } from './conversation.responses';
import { CreateNoteDto, ListConversationsQueryDto, SendMessageDto, UpdateConversationDto } from './conversation.dto';

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
