import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import { DisplayName } from '../common/display-name';
import { ASSIGNMENT_POLICIES, AssignmentPolicy } from './team.store';

const MAX_IDS = 500;

/** A team's assignment policy, the same when created and changed. */
const OptionalAssignmentPolicy = () =>
  applyDecorators(
    ApiPropertyOptional({
      enum: ASSIGNMENT_POLICIES,
      description:
        'manual: nobody is assigned automatically. round_robin: each new or reopened conversation goes to the next online member in turn. ' +
        'least_loaded: to the online member holding the fewest open and pending conversations. Both skip members at agentCapacity; ' +
        'when none is eligible the conversation waits in the team queue until one is',
    }),
    ValidateIf((_, v) => v !== undefined),
    IsIn(ASSIGNMENT_POLICIES),
  );

const OptionalAgentCapacity = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      nullable: true,
      minimum: 1,
      maximum: 1000,
      description: 'Open and pending conversations per agent; null: no limit',
    }),
    IsOptional(),
    ValidateIf((_, v) => v !== null),
    IsInt(),
    Min(1),
    Max(1000),
  );

/** Users or channels of the organization, by id. */
const OptionalIds = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: MAX_IDS, description }),
    ValidateIf((_, v) => v !== undefined),
    IsArray(),
    ArrayMaxSize(MAX_IDS),
    IsUUID('all', { each: true }),
  );

export class CreateTeamDto {
  @ApiProperty({ example: 'Billing', maxLength: 80 })
  @DisplayName(80)
  name: string;

  @OptionalAssignmentPolicy()
  assignmentPolicy?: AssignmentPolicy;

  @OptionalAgentCapacity()
  agentCapacity?: number | null;

  @OptionalIds('Its members (users of the organization)')
  memberIds?: string[];

  @OptionalIds('Channels whose new conversations go to this team (each channel routes to at most one team: it leaves its former one)')
  channelIds?: string[];
}

export class UpdateTeamDto {
  @ApiPropertyOptional({ maxLength: 80 })
  @ValidateIf((_, v) => v !== undefined)
  @DisplayName(80)
  name?: string;

  @OptionalAssignmentPolicy()
  assignmentPolicy?: AssignmentPolicy;

  @OptionalAgentCapacity()
  agentCapacity?: number | null;

  @OptionalIds('Replaces the members')
  memberIds?: string[];

  @OptionalIds('Replaces the channels routed to the team')
  channelIds?: string[];
}

export class AddTeamMemberDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId: string;
}

export class VisibilityDto {
  @ApiProperty({ description: "true: agents see only their teams' conversations and those assigned to them (owners and admins see all)" })
  @IsBoolean()
  restricted: boolean;
}

export class TeamResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ASSIGNMENT_POLICIES }) assignmentPolicy: AssignmentPolicy;
  @ApiProperty({ type: 'integer', nullable: true }) agentCapacity: number | null;
  @ApiProperty({ type: [String], format: 'uuid' }) memberIds: string[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'Channels routed to this team' }) channelIds: string[];
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class TeamListResponse {
  @ApiProperty({ type: [TeamResponse] }) items: TeamResponse[];
}

export class VisibilityResponse {
  @ApiProperty() restricted: boolean;
}
