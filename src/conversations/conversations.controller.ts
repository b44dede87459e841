import { Body, Controller, Get, Header, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { type ErrorCode, invalid } from '../../libs/domain/src';
import { toPageJson, toPageResponse } from '../common/cursor';
import { IdParam } from '../common/id-param';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { Satisfaction } from './conversation-router';
import { ConversationService } from './conversation.service';
import { messageResponse, noteResponse } from './conversation.responses';
import { ConversationDetailResponse, ConversationViewPageResponse, StartedConversationResponse } from './triage.dto';
import { conversationViewResponse } from './triage.responses';
import { ConversationStarter } from './conversation-starter.service';
import { ReplyRenderer } from './reply-renderer.service';
import { TriageService } from './triage.service';
import { MessagePageResponse, MessageResponse, NoteListResponse, NoteResponse } from './message.responses.dto';
import { CreateNoteDto, ListConversationsQueryDto, SendMessageDto, StartConversationDto, UpdateConversationDto } from './conversation.dto';

/** What sending can refuse, whether replying or writing first. */
const SEND_ERRORS: Array<ErrorCode | `${ErrorCode}@${number}`> = [
  'EMPTY_MESSAGE',
  'MESSAGE_TOO_LONG',
  'TEXT_TOO_LONG',
  'CANNED_RESPONSE_NOT_FOUND',
  'TEMPLATE_NOT_SUPPORTED',
  'ATTACHMENTS_NOT_SUPPORTED',
  'CHANNEL_DISCONNECTED',
  'CHANNEL_REVOKED',
  'SMS_OPTED_OUT',
  'MESSAGING_WINDOW_CLOSED',
  'WHATSAPP_WINDOW_CLOSED',
  'WHATSAPP_OPT_IN_REQUIRED',
  'CARD_NUMBER_NOT_ALLOWED',
  'UPLOAD_NOT_FOUND@400',
  'UPLOAD_ALREADY_SENT',
  'ATTACHMENT_TOO_LARGE_FOR_CHANNEL',
];

@ApiTags('conversations')
@Authenticated()
@Controller('api/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationService,
    private readonly triage: TriageService,
    private readonly replies: ReplyRenderer,
    private readonly starter: ConversationStarter,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The csat module builds on this one: looked up, not injected. */
  private get satisfaction(): Satisfaction {
    return this.moduleRef.get(Satisfaction, { strict: false });
  }

  private async detail(p: Principal, view: Parameters<typeof conversationViewResponse>[0]) {
    const s = await this.satisfaction.ofConversation(p, view.id);
    return {
      ...conversationViewResponse(view),
      satisfaction: s && { askedAt: s.askedAt, rating: s.rating, answeredAt: s.answeredAt, answeredVia: s.answeredVia },
    };
  }

  @Get()
  @ApiOperation({ summary: "The inbox as the caller sees it: filtered, sorted, each row with its contact, last message, the caller's unread count and labels" })
  @ApiOkResponse({ type: ConversationViewPageResponse })
  @ApiErrors('UNKNOWN_ATTRIBUTE', 'INVALID_ATTRIBUTE_VALUE')
  // The page comes as JSON text, written by PostgreSQL key for key as the documented response.
  @Header('content-type', 'application/json; charset=utf-8')
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListConversationsQueryDto) {
    return toPageJson(await this.triage.list(p, p.userId, q, pageOf(q)));
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
  @ApiErrors(
    ...SEND_ERRORS,
    'CONTACT_NOT_FOUND',
    'CONTACT_MERGED',
    'CHANNEL_NOT_FOUND@404',
    'ADDRESS_REQUIRED',
    'INVALID_ADDRESS',
    'ADDRESS_OF_ANOTHER_CONTACT',
    'WHATSAPP_TEMPLATE_REQUIRED',
    'CONTACT_NOT_ON_CHANNEL',
    'CONTACT_BLOCKED',
  )
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
  @ApiOkResponse({ type: ConversationDetailResponse })
  @ApiErrors('CONVERSATION_NOT_FOUND')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return this.detail(p, await this.triage.view(p, p.userId, id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: ConversationDetailResponse })
  @ApiErrors(
    'CONVERSATION_NOT_FOUND',
    'TEAM_NOT_FOUND',
    'EMPTY_PATCH',
    'ASSIGNEE_NOT_FOUND',
    'SNOOZE_NEEDS_STATUS',
    'SNOOZE_IN_PAST',
    'SNOOZE_TOO_FAR',
    'UNKNOWN_ATTRIBUTE',
    'INVALID_ATTRIBUTE_VALUE',
  )
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateConversationDto) {
    return this.detail(p, await this.triage.update(p, p.userId, id, body));
  }

  @Get(':id/messages')
  @ApiOkResponse({ type: MessagePageResponse, description: 'Newest first' })
  @ApiErrors('CONVERSATION_NOT_FOUND')
  async messages(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Query() q: PageQueryDto) {
    return toPageResponse(await this.conversations.listMessages(p, id, pageOf(q)), messageResponse);
  }

  /** Accepted, not yet delivered: the message is queued for its channel. */
  @Post(':id/messages')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: MessageResponse, description: 'The queued message' })
  @ApiErrors(...SEND_ERRORS, 'CONVERSATION_NOT_FOUND', 'REPLY_TO_NOT_FOUND')
  async send(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: SendMessageDto) {
    if (body.template !== undefined && (body.text !== undefined || body.attachments !== undefined || body.cannedResponseId !== undefined)) {
      throw invalid('VALIDATION_FAILED', 'send either a template, or text (or a canned response) and/or attachments');
    }
    if (body.cannedResponseId !== undefined && body.text !== undefined) throw invalid('VALIDATION_FAILED', 'send either text or cannedResponseId');
    const text = await this.replies.text(p, id, p.userId, body);
    return messageResponse(
      await this.conversations.send(p, id, p.userId, { text, attachments: body.attachments, template: body.template, replyToMessageId: body.replyToMessageId }),
    );
  }

  @Post(':id/notes')
  @ApiCreatedResponse({ type: NoteResponse })
  @ApiErrors('CONVERSATION_NOT_FOUND')
  async addNote(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: CreateNoteDto) {
    return noteResponse(await this.conversations.addNote(p, id, p.userId, body.text));
  }

  @Get(':id/notes')
  @ApiOkResponse({ type: NoteListResponse })
  @ApiErrors('CONVERSATION_NOT_FOUND')
  async notes(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return { items: (await this.conversations.listNotes(p, id)).map(noteResponse) };
  }
}
