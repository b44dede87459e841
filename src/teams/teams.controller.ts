import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';
import { ApiErrors } from '../common/api-contract';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import type { Team } from './team.store';
import { AddTeamMemberDto, CreateTeamDto, TeamListResponse, TeamResponse, UpdateTeamDto, VisibilityDto, VisibilityResponse } from './teams.dto';
import { TeamsService } from './teams.service';

const teamResponse = (t: Team) => ({
  id: t.id,
  name: t.name,
  assignmentPolicy: t.assignmentPolicy,
  agentCapacity: t.agentCapacity,
  memberIds: t.memberIds,
  channelIds: t.channelIds,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

/** Teams: everyone reads them, owners and admins shape them. */
@ApiTags('teams')
@Authenticated()
@Controller('api/teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Get()
  @ApiOkResponse({ type: TeamListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: (await this.teams.list(p)).map(teamResponse) };
  }

  @Get(':id')
  @ApiOkResponse({ type: TeamResponse })
  @ApiErrors('TEAM_NOT_FOUND')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return teamResponse(await this.teams.get(p, id));
  }

  @Post()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Create a team, with its members and the channels routed to it' })
  @ApiCreatedResponse({ type: TeamResponse })
  @ApiErrors('TEAM_NAME_TAKEN', 'TOO_MANY_TEAMS', 'TEAM_MEMBER_INVALID', 'CHANNEL_NOT_FOUND@400')
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateTeamDto) {
    return teamResponse(await this.teams.create(p, body));
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiOkResponse({ type: TeamResponse })
  @ApiErrors('TEAM_NOT_FOUND', 'TEAM_NAME_TAKEN', 'TEAM_MEMBER_INVALID', 'CHANNEL_NOT_FOUND@400', 'EMPTY_PATCH')
  async update(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: UpdateTeamDto) {
    if (Object.values(body).every((v) => v === undefined))
      throw invalid('EMPTY_PATCH', 'Send name, assignmentPolicy, agentCapacity, memberIds and/or channelIds');
    return teamResponse(await this.teams.update(p, id, body));
  }

  @Delete(':id')
  @Roles('owner', 'admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a team: its channels and conversations are left without one' })
  @ApiNoContentResponse()
  @ApiErrors('TEAM_NOT_FOUND')
  async remove(@CurrentPrincipal() p: Principal, @IdParam() id: string): Promise<void> {
    await this.teams.remove(p, id);
  }

  @Post(':id/members')
  @Roles('owner', 'admin')
  @HttpCode(200)
  @ApiOkResponse({ type: TeamResponse })
  @ApiErrors('TEAM_NOT_FOUND', 'TEAM_MEMBER_INVALID')
  async addMember(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Body() body: AddTeamMemberDto) {
    return teamResponse(await this.teams.addMember(p, id, body.userId));
  }

  @Delete(':id/members/:userId')
  @Roles('owner', 'admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('TEAM_NOT_FOUND', 'USER_NOT_FOUND')
  async removeMember(@CurrentPrincipal() p: Principal, @IdParam() id: string, @IdParam('userId') userId: string): Promise<void> {
    await this.teams.removeMember(p, id, userId);
  }
}

/** Whether agents see every conversation or only their teams' and their own. */
@ApiTags('teams')
@Authenticated()
@Controller('api/settings/visibility')
export class VisibilityController {
  constructor(private readonly teams: TeamsService) {}

  @Get()
  @ApiOkResponse({ type: VisibilityResponse })
  async get(@CurrentPrincipal() p: Principal) {
    return { restricted: await this.teams.restrictedVisibility(p) };
  }

  @Put()
  @Roles('owner', 'admin')
  @ApiOkResponse({ type: VisibilityResponse })
  async put(@CurrentPrincipal() p: Principal, @Body() body: VisibilityDto) {
    return { restricted: await this.teams.setRestrictedVisibility(p, body.restricted) };
  }
}
