import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ApiErrors } from '../common/api-contract';
import { toPageResponse } from '../common/cursor';
import { IdParam } from '../common/id-param';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { InboundEventsService } from './inbound-events.service';
import { IgnoredCountListResponse, InboundEventPageResponse, InboundEventReplayResponse } from './inbound-events.responses';
import { InboundIgnored } from './inbound-ignored.store';

class ListInboundEventsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'done', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'done', 'failed'])
  state?: 'pending' | 'done' | 'failed';
}

/** Where an admin sees webhook events that could not be processed, and sends them round again. */
@ApiTags('admin')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/admin/inbound-events')
export class InboundEventsController {
  constructor(
    private readonly events: InboundEventsService,
    private readonly ignored: InboundIgnored,
  ) {}

  @Get()
  @ApiOkResponse({ type: InboundEventPageResponse })
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListInboundEventsQuery) {
    return toPageResponse(await this.events.list(p, q.state, pageOf(q)), (e) => e);
  }

  @Get('ignored')
  @ApiOperation({
    summary: 'What platforms sent that did not become anything in the inbox, counted per channel and reason',
    description:
      'Group chats, statuses the inbox does not track, updates about messages that never arrived...: nothing is dropped without being counted here. The most recently seen first.',
  })
  @ApiOkResponse({ type: IgnoredCountListResponse })
  async ignoredCounts(@CurrentPrincipal() p: Principal): Promise<IgnoredCountListResponse> {
    return { items: await this.ignored.list(p) };
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: InboundEventReplayResponse })
  @ApiErrors('INBOUND_EVENT_NOT_FOUND')
  async replay(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    await this.events.replay(p, id);
    return { id, state: 'pending' };
  }
}
