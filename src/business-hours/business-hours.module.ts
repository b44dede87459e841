import { Module } from '@nestjs/common';
import { AutoReplies } from '../conversations/conversation-router';
import { ConversationsModule } from '../conversations/conversations.module';
import { AutoReplier } from './auto-replier.service';
import { BusinessHoursController } from './business-hours.controller';
import { BusinessHoursService } from './business-hours.service';
import { BusinessHoursStore } from './business-hours.store';

/** Business hours of channels and teams, and the automatic replies (out of office, greeting) they send. */
@Module({
  imports: [ConversationsModule],
  controllers: [BusinessHoursController],
  providers: [BusinessHoursStore, BusinessHoursService, AutoReplier, { provide: AutoReplies, useExisting: AutoReplier }],
  exports: [AutoReplier, AutoReplies],
})
export class BusinessHoursModule {}
