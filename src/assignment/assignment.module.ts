import { Module } from '@nestjs/common';
import { ConversationRouter } from '../conversations/conversation-router';
import { EventsModule } from '../events/events.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { AgentsController } from './agents.controller';
import { AssignmentJob } from './assignment.job';
import { AssignmentStore } from './assignment.store';
import { AutoAssigner } from './auto-assigner.service';
import { AvailabilityService } from './availability.service';

/** Agents' availability and the automatic assignment of the teams' queues. */
@Module({
  imports: [EventsModule, NotificationsModule],
  controllers: [AgentsController],
  providers: [AssignmentStore, AutoAssigner, AvailabilityService, AssignmentJob, { provide: ConversationRouter, useExisting: AutoAssigner }],
  exports: [ConversationRouter, AutoAssigner],
})
export class AssignmentModule {}
