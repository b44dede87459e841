import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { EventLogTrimJob } from './event-log-trim.job';
import { EventReplay } from './event-replay.service';
import { AgentEventsController, EventStreamAuthGuard } from './agent-events.controller';
import { LiveStreams } from './live-streams.service';
import { SseConnections } from './sse-connections.service';
import { SharedVisibility } from './stream-visibility';

/** Live server-sent event streams: the agents' stream here, and the SSE plumbing others reuse. */
@Module({
  imports: [TenancyModule],
  controllers: [AgentEventsController],
  providers: [EventReplay, EventLogTrimJob, SseConnections, EventStreamAuthGuard, LiveStreams, SharedVisibility],
  exports: [SseConnections, LiveStreams],
})
export class EventsModule {}
