import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ApiErrors } from '../common/api-contract';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { AVAILABILITIES, AgentState, Availability } from './assignment.store';
import { AvailabilityService } from './availability.service';

class AvailabilityDto {
  @ApiProperty({
    enum: AVAILABILITIES,
    description:
      'online: automatic assignment may give you conversations. away, offline: it passes you by (offline is also set for you after 5 minutes without an open dashboard)',
  })
  @IsIn(AVAILABILITIES)
  availability: Availability;
}

export class AgentResponse {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ enum: AVAILABILITIES }) availability: Availability;
  @ApiProperty({ type: Date, nullable: true, description: 'When it was last set (by the user, or offline by absence)' }) availabilityAt: Date | null;
  @ApiProperty({ description: 'Open and pending conversations assigned to them' }) openConversations: number;
}

export class AgentListResponse {
  @ApiProperty({ type: [AgentResponse] }) items: AgentResponse[];
}

const agentResponse = (a: AgentState) => ({
  userId: a.userId,
  availability: a.availability,
  availabilityAt: a.availabilityAt,
  openConversations: a.openConversations,
});

/** The organization's people as the queue sees them: who is online and how much each holds. */
@ApiTags('teams')
@Authenticated()
@Controller('api/agents')
export class AgentsController {
  constructor(private readonly availability: AvailabilityService) {}

  @Get()
  @ApiOkResponse({ type: AgentListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: (await this.availability.list(p)).map(agentResponse) };
  }

  /** Sets the caller's own availability; coming online takes what waits in their teams' queues. */
  @Put('me/availability')
  @Roles('owner', 'admin', 'agent')
  @ApiOkResponse({ type: AgentResponse })
  @ApiErrors('NOT_A_PERSON@400')
  async set(@CurrentPrincipal() p: Principal, @Body() body: AvailabilityDto) {
    return agentResponse(await this.availability.set(p, body.availability));
  }
}
