import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';
import { toPageResponse } from '../common/cursor';
import { IdParam } from '../common/id-param';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { ConversationService } from './conversation.service';
import { messageResponse, noteResponse } from './conversation.responses';
import { ConversationViewPageResponse, ConversationViewResponse, StartedConversationResponse } from './triage.dto';
import { conversationViewResponse } from './triage.responses';
import { ConversationStarter } from './conversation-starter.service';
import { ReplyRenderer } from './reply-renderer.service';
import { TriageService } from './triage.service';
import { CreateNoteDto, ListConversationsQueryDto, SendMessageDto, StartConversationDto, UpdateConversationDto } from './conversation.dto';

@ApiTags('conversations')
@Authenticated()
@Controller('api/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationService,
    private readonly triage: TriageService,
    private readonly replies: ReplyRenderer,
    private readonly starter: ConversationStarter,
  ) {}

  @Get()
  @ApiOperation({ summary: "The inbox as the caller sees it: filtered, sorted, each row with its contact, last message, the caller's unread count and labels" })
  @ApiOkResponse({ type: ConversationViewPageResponse })
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListConversationsQueryDto) {
    return toPageResponse(await this.triage.list(p, p.userId, q, pageOf(q)), conversationViewResponse);
  }

  @Post()
  @Roles('owner', 'admin', 'agent')
  @ApiOperation({
    summary: 'Write first to a contact on a channel, under its rules',
    description:
      'WhatsApp: an approved template, to a contact with a recorded opt-in (422 WHATSAPP_TEMPLATE_REQUIRED, WHATSAPP_OPT_IN_REQUIRED). ' +
      "SMS and e-mail: allowed, to the contact's address on the channel or `to` (400 ADDRESS_REQUIRED, INVALID_ADDRESS; 409 ADDRESS_OF_ANOTHER_CONTACT); SMS not after the contact sent STOP (422 SMS_OPTED_OUT). " +
      "Messenger, Instagram, Telegram, web chat: only a contact who has written on that channel (422 CONTACT_NOT_ON_CHANNEL), within the platform's window (422 MESSAGING_WINDOW_CLOSED), not blocked (422 CONTACT_BLOCKED). " +
      "The contact's open conversation on the channel continues (created: false), else a new one starts, assigned to the caller. Nothing is stored when a rule refuses.",
  })
  @ApiCreatedResponse({ type: StartedConversationResponse })
  async start(@CurrentPrincipal() p: Principal, @Body() body: StartConversationDto) {
    const m = body.message;
    if (m.template !== undefined && (m.text !== undefined || m.attachments !== undefined || m.cannedResponseId !== undefined)) {
      throw invalid('VALIDATION_FAILED', 'send either a template, or text (or a canned response) and/or attachments');
    }
    if (m.cannedResponseId !== undefined && m.text !== undefined) throw invalid('VALIDATION_FAILED', 'send either text or cannedResponseId');
    const started = await this.starter.start(p, p.userId, {
      contactId: body.contactId,
      channelId: body.channelId,
      to: body.to,
      render: (conversationId) => this.replies.text(p, conversationId, p.userId, m),
      content: { attachments: m.attachments, template: m.template },
    });
    return {
      created: started.created,
      conversation: conversationViewResponse(await this.triage.view(p, p.userId, started.conversationId)),
      message: messageResponse(started.message),
    };
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
