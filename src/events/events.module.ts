import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { EventReplay } from './event-replay';
import { AgentEventsController, EventStreamAuthGuard } from './events.controller';
import { SseConnections } from './sse';

/** Live server-sent event streams: the agents' stream here, and the SSE plumbing others reuse. */
@Module({
  imports: [TenancyModule],
  controllers: [AgentEventsController],
  providers: [EventReplay, SseConnections, EventStreamAuthGuard],
  exports: [SseConnections],
})
export class EventsModule {}
