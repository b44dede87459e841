import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { TriageService } from './triage.service';
import {
  BulkUpdateDto,
  BulkUpdateResponse,
  ConversationCountsResponse,
  CountsQueryDto,
  LabelRefListResponse,
  MarkReadDto,
  PutConversationLabelsDto,
  ReadStateResponse,
} from './triage.dto';
import { labelRefResponse } from './triage.responses';

/** Triage over the inbox: the tabs' counts, bulk changes, labels on a conversation, read state. */
@ApiTags('conversations')
@Authenticated()
@Controller('api/conversations')
export class TriageController {
  constructor(private readonly triage: TriageService) {}

  @Get('counts')
  @ApiOperation({ summary: 'Conversations per status, and within `status` (default open): all, mine, mine unread, unassigned' })
  @ApiOkResponse({ type: ConversationCountsResponse })
  async counts(@CurrentPrincipal() p: Principal, @Query() q: CountsQueryDto) {
    const status = q.status ?? 'open';
    const c = await this.triage.counts(p, p.userId, status);
    return { byStatus: c.byStatus, status, all: c.all, mine: c.mine, mineUnread: c.mineUnread, unassigned: c.unassigned };
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set status, assignee, priority and/or labels on up to 100 conversations, all or nothing' })
  @ApiOkResponse({ type: BulkUpdateResponse })
  @ApiErrors('EMPTY_PATCH', 'ASSIGNEE_NOT_FOUND', 'LABEL_NOT_FOUND')
  bulk(@CurrentPrincipal() p: Principal, @Body() body: BulkUpdateDto) {
    return this.triage.bulk(p, p.userId, body.ids, body.set);
  }

  @Put(':id/labels')
  @ApiOperation({ summary: "Replace the labels of a conversation (404 LABEL_NOT_FOUND for an id that is not one of the organization's labels)" })
  @ApiOkResponse({ type: LabelRefListResponse })
  @ApiErrors('CONVERSATION_NOT_FOUND', 'LABEL_NOT_FOUND')
  async setLabels(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: PutConversationLabelsDto) {
    return { items: (await this.triage.setLabels(p, id, body.labelIds)).map(labelRefResponse) };
  }

  @Post(':id/read')
  @HttpCode(200)
  @Roles('owner', 'admin', 'agent')
  @ApiOperation({ summary: 'The caller has read the conversation, up to a message of it or its newest; inbound messages after it are unread' })
  @ApiOkResponse({ type: ReadStateResponse })
  @ApiErrors('CONVERSATION_NOT_FOUND', 'MESSAGE_NOT_FOUND')
  markRead(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: MarkReadDto) {
    return this.triage.markRead(p, p.userId, id, body?.messageId);
  }
}
