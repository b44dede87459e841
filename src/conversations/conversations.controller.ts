import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';
import { toPageResponse } from '../common/cursor';
import { IdParam } from '../common/id-param';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { ConversationService } from './conversation.service';
import { messageResponse, noteResponse } from './conversation.responses';
import { ConversationViewPageResponse, ConversationViewResponse } from './triage.dto';
import { conversationViewResponse } from './triage.responses';
import { ReplyRenderer } from './reply-renderer.service';
import { TriageService } from './triage.service';
import { CreateNoteDto, ListConversationsQueryDto, SendMessageDto, UpdateConversationDto } from './conversation.dto';

@ApiTags('conversations')
@Authenticated()
@Controller('api/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationService,
    private readonly triage: TriageService,
    private readonly replies: ReplyRenderer,
  ) {}

  @Get()
  @ApiOperation({ summary: "The inbox as the caller sees it: filtered, sorted, each row with its contact, last message, the caller's unread count and labels" })
  @ApiOkResponse({ type: ConversationViewPageResponse })
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListConversationsQueryDto) {
    return toPageResponse(await this.triage.list(p, p.userId, q, pageOf(q)), conversationViewResponse);
  }

  @Get(':id')
  @ApiOkResponse({ type: ConversationViewResponse })
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return conversationViewResponse(await this.triage.view(p, p.userId, id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: ConversationViewResponse })
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateConversationDto) {
    return conversationViewResponse(await this.triage.update(p, p.userId, id, body));
  }

  @Get(':id/messages')
  async messages(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Query() q: PageQueryDto) {
    return toPageResponse(await this.conversations.listMessages(p, id, pageOf(q)), messageResponse);
  }

  /** Accepted, not yet delivered: the message is queued for its channel. */
  @Post(':id/messages')
  @HttpCode(202)
  async send(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: SendMessageDto) {
    if (body.template !== undefined && (body.text !== undefined || body.attachments !== undefined || body.cannedResponseId !== undefined)) {
      throw invalid('VALIDATION_FAILED', 'send either a template, or text (or a canned response) and/or attachments');
    }
    if (body.cannedResponseId !== undefined && body.text !== undefined) throw invalid('VALIDATION_FAILED', 'send either text or cannedResponseId');
    const text = await this.replies.text(p, id, p.userId, body);
    return messageResponse(await this.conversations.send(p, id, p.userId, { text, attachments: body.attachments, template: body.template }));
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
