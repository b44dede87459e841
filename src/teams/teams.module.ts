import { Module } from '@nestjs/common';
import { TeamRoster } from '../tenancy/team-roster';
import { TeamsTeamRoster } from './team-roster.store';
import { TeamStore } from './team.store';
import { TeamsController, VisibilityController } from './teams.controller';
import { TeamsService } from './teams.service';

/** Teams, their members and channels, and the organization's visibility setting. */
@Module({
  controllers: [TeamsController, VisibilityController],
  providers: [TeamStore, TeamsService, { provide: TeamRoster, useClass: TeamsTeamRoster }],
  exports: [TeamsService, TeamStore, TeamRoster],
})
export class TeamsModule {}
