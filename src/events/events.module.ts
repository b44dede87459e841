import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { EventLogTrimJob } from './event-log-trim.job';
import { EventReplay } from './event-replay.service';
import { AgentEventsController, EventStreamAuthGuard } from './agent-events.controller';
import { LiveStreams } from './live-streams.service';
import { SseConnections } from './sse-connections.service';

/** Live server-sent event streams: the agents' stream here, and the SSE plumbing others reuse. */
@Module({
  imports: [TenancyModule],
  controllers: [AgentEventsController],
  providers: [EventReplay, EventLogTrimJob, SseConnections, EventStreamAuthGuard, LiveStreams],
  exports: [SseConnections, LiveStreams],
})
export class EventsModule {}
