import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { InboundEventPageResponse, InboundEventReplayResponse } from './inbound-events.responses';
import { IsIn, IsOptional } from 'class-validator';
import { toPageResponse } from '../common/cursor';
import { IdParam } from '../common/id-param';
import { PageQueryDto, pageOf } from '../common/page-query.dto';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { InboundEventsService } from './inbound-events.service';

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
  constructor(private readonly events: InboundEventsService) {}

  @Get()
  @ApiOkResponse({ type: InboundEventPageResponse })
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListInboundEventsQuery) {
    return toPageResponse(await this.events.list(p, q.state, pageOf(q)), (e) => e);
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
